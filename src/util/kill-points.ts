import { writeSync } from 'node:fs';

/**
 * Named points in a run's life where the crash-safety tests kill the process outright (SIGKILL), so
 * every step of every fault is proven recoverable at a place the code names, not wherever a sleep
 * happens to land. Armed only by the environment of a test run:
 *
 *   FAULTLINE_TEST_KILL_AT=<point>[#<n>][+<ms>]
 *
 * kills the process the n-th time (default 1st) it reaches <point>, after <ms> (default at once; with a
 * delay the process carries on meanwhile, e.g. a Docker call in flight). Unarmed, a point costs one
 * comparison.
 */
export type KillPoint =
  /** The fault's intent is on disk, its first change not yet made. */
  | 'intent-written'
  /** A Docker call that changes a container was sent and has not answered. */
  | 'docker-call-sent'
  /** A command ran in a target's network namespace (a partial set of rules or qdiscs). */
  | 'netns-command-done'
  /** Every change of a fault was made, before the run records it as injected. */
  | 'fault-injected'
  /** The fault is recorded as injected and is being held. */
  | 'fault-recorded'
  /** A revert started. */
  | 'revert-started'
  /** A revert finished and was recorded. */
  | 'revert-recorded'
  /** Every fault was reverted; the recovery checks are running. */
  | 'recovery-started'
  /** The watchdog reverted a fault (to kill the watchdog itself mid-way). */
  | 'watchdog-reverted'
  /** `faultline recover` reverted one fault of a dead run. */
  | 'recover-reverted';

interface Armed {
  point: string;
  nth: number;
  delayMs: number;
}

function parse(spec: string | undefined): Armed | undefined {
  const match = /^([a-z-]+)(?:#(\d+))?(?:\+(\d+))?$/.exec(spec ?? '');
  if (!match) return undefined;
  return { point: match[1]!, nth: Number(match[2] ?? 1), delayMs: Number(match[3] ?? 0) };
}

const armed = parse(process.env.FAULTLINE_TEST_KILL_AT);
let reached = 0;

export function killPoint(point: KillPoint): void {
  if (armed?.point !== point || ++reached !== armed.nth) return;
  const kill = () => {
    try {
      writeSync(2, `faultline: killed at ${point}#${armed.nth} (FAULTLINE_TEST_KILL_AT)\n`);
    } catch {
      // The kill matters, not the line.
    }
    process.kill(process.pid, 'SIGKILL');
  };
  if (armed.delayMs > 0) setTimeout(kill, armed.delayMs);
  else kill();
}
