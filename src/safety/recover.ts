import { readdir, readFile } from 'node:fs/promises';
import type { ContainerSummary, DockerClient } from '../docker/client.js';
import type { DockerEndpoint } from '../docker/endpoint.js';
import { FAULTLINE_HELPER, FAULTLINE_RUN_ID } from '../docker/labels.js';
import type { NetnsRunner } from '../network/netns-runner.js';
import { toTarget } from '../targets/resolve.js';
import { killPoint } from '../util/kill-points.js';
import { appendRecord, listLedgers, type RunState, readLedger } from './ledger.js';
import { releaseLocks } from './locks.js';
import { runnerFromLedger } from './network-runner.js';
import { processState } from './process-identity.js';
import { namespaceLeftovers } from './scan.js';
import { inFlightUntil, undoRecipe } from './undo.js';

export interface RecoverAction {
  what: string;
  status: 'reverted' | 'already-reverted' | 'target-gone' | 'failed' | 'skipped';
  detail: string;
}

/**
 * The runs whose watchdog is running on this host, whatever state folder they keep their ledger in
 * (read from the watchdogs' command lines: `node watchdog-main.js LEDGER STATE_DIR LOG`).
 */
export async function watchedRunsOnHost(): Promise<RunState[]> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const states: RunState[] = [];
  for (const pid of pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    const main = args.findIndex((arg) => arg.endsWith('watchdog-main.js'));
    if (main < 0 || !args[main + 1]) continue;
    const state = readLedger(args[main + 1]!);
    if (state) states.push(state);
  }
  return states;
}

/** The client for the Engine a run made its faults on (recorded in its ledger). */
function engineOf(
  state: RunState,
  docker: DockerClient,
  dockerFor: ((endpoint: DockerEndpoint) => DockerClient) | undefined,
): DockerClient {
  const recorded = state.run.endpoint;
  if (!recorded || !dockerFor || sameEngine(recorded, docker.endpoint)) return docker;
  return dockerFor(recorded);
}

export function sameEngine(a: DockerEndpoint | undefined, b: DockerEndpoint | undefined): boolean {
  return a !== undefined && b !== undefined && a.host === b.host && a.tls?.ca === b.tls?.ca;
}

/** A run is live while the process that started it is alive and its ledger has no end. */
/** A run that has not ended and whose process is alive, or runs on another machine and cannot be judged. */
export function isLive(state: RunState): boolean {
  return !state.ended && processState(state.run) !== 'dead';
}

/**
 * Finds and reverts whatever earlier runs left, from their ledgers and by scanning Docker itself:
 * containers the ledgers say were paused or stopped, faultline's helper containers, and faultline's
 * iptables chains and qdiscs in every running container. Runs still alive are left alone. Idempotent.
 */
export interface RecoverOptions {
  /** The Engine to scan; a ledger's faults are reverted on the Engine its run used. */
  docker: DockerClient;
  /** A client for a ledger's Engine when it is not `docker`'s; without it, `docker` is used. */
  dockerFor?: ((endpoint: DockerEndpoint) => DockerClient) | undefined;
  stateDir: string;
  /** The way into namespaces for the scan; undefined skips the namespace scan. */
  runner: NetnsRunner | undefined;
  log: (action: RecoverAction) => void;
}

/** What the steps of one recover share: the runs still alive, and where each action is told. */
interface Recovery {
  options: RecoverOptions;
  live: Set<string>;
  liveStates: RunState[];
  note: (action: RecoverAction) => void;
}

export async function recover(options: RecoverOptions): Promise<RecoverAction[]> {
  const actions: RecoverAction[] = [];
  const note = (action: RecoverAction) => {
    actions.push(action);
    options.log(action);
  };
  const ledgers = listLedgers(options.stateDir);
  // Runs kept in other state folders (another user, another CI job) are seen through their watchdogs.
  const elsewhere = await watchedRunsOnHost();
  const liveStates = [...ledgers.filter(isLive), ...elsewhere.filter((state) => !state.ended)];
  const live = new Set(liveStates.map((state) => state.run.runId));
  for (const runId of live)
    note({
      what: `run ${runId}`,
      status: 'skipped',
      detail: 'still running; its own reverts and watchdog cover it',
    });
  const recovery: Recovery = { options, live, liveStates, note };
  // 1. What the ledgers say is still in place.
  for (const state of ledgers) {
    if (!live.has(state.run.runId) && state.open.length > 0) await recoverLedger(recovery, state);
  }
  // 2. Helper containers whose run is over.
  const containers = await options.docker.listContainers({ all: true });
  for (const helper of containers.filter((container) => container.labels[FAULTLINE_HELPER] !== undefined)) {
    const runId = helper.labels[FAULTLINE_RUN_ID];
    if (runId && live.has(runId)) continue;
    await options.docker.remove(helper.id);
    note({ what: `helper container ${helper.name}`, status: 'reverted', detail: 'removed' });
  }
  // 3. faultline's rules and qdiscs in every running container, from runs that are over.
  if (options.runner) await scanNamespaces(recovery, options.runner, containers);
  return actions;
}

/** Undoes what one dead run's ledger says is still in place, on the Engine that run used, and ends it. */
async function recoverLedger(recovery: Recovery, state: RunState): Promise<void> {
  const { options, note } = recovery;
  const { docker, stateDir } = options;
  const engine = engineOf(state, docker, options.dockerFor);
  const runner = runnerFromLedger(engine, state.run, `recover-${state.run.runId}`);
  try {
    for (const intent of state.open) {
      const outcome = await undoRecipe(intent.revert, intent.target, engine, runner, {
        inFlightUntil: inFlightUntil(intent, state.injected),
      });
      appendRecord(state.file, {
        type: 'reverted',
        faultId: intent.faultId,
        status: outcome.status,
        by: 'recover',
        at: new Date().toISOString(),
      });
      note({
        what: `${intent.kind} on ${intent.target.name} (run ${state.run.runId})`,
        status: outcome.status,
        detail: outcome.detail,
      });
      killPoint('recover-reverted');
    }
  } finally {
    await runner.dispose().catch(() => undefined);
  }
  // The scan after the ledgers looks at the Engine recover was pointed at; this run's helpers may be elsewhere.
  if (engine !== docker) {
    const helpers = await engine.listContainers({ all: true }).catch(() => []);
    for (const helper of helpers.filter((c) => c.labels[FAULTLINE_RUN_ID] === state.run.runId)) {
      if (helper.labels[FAULTLINE_HELPER] === undefined) continue;
      await engine.remove(helper.id);
      note({ what: `helper container ${helper.name}`, status: 'reverted', detail: 'removed' });
    }
  }
  if (!state.ended)
    appendRecord(state.file, { type: 'end', outcome: 'recovered', at: new Date().toISOString() });
  releaseLocks(stateDir, state.run.runId);
}

/** Removes what each fault family finds it left in running containers, except what a live run owns. */
async function scanNamespaces(
  recovery: Recovery,
  runner: NetnsRunner,
  containers: readonly ContainerSummary[],
): Promise<void> {
  const { live, note } = recovery;
  const lockedByLive = new Set(
    recovery.liveStates.flatMap((state) => state.intents.map((intent) => intent.target.id)),
  );
  for (const container of containers) {
    if (container.state !== 'running' || container.labels[FAULTLINE_HELPER] !== undefined) continue;
    const target = toTarget(container);
    const leftovers = await namespaceLeftovers(runner, target, recovery.options.docker).catch(() => []);
    for (const leftover of leftovers) {
      if ((leftover.runId && live.has(leftover.runId)) || (!leftover.runId && lockedByLive.has(container.id)))
        continue;
      let failure = leftover.remove ? await leftover.remove() : undefined;
      for (const argv of leftover.commands) {
        const result = await runner.run(target, argv);
        if (result.exitCode !== 0) failure ??= `${argv.join(' ')}: ${result.stderr.trim()}`;
      }
      note({
        what: `${leftover.what} in ${container.name}`,
        status: failure ? 'failed' : 'reverted',
        detail: failure ?? 'removed',
      });
    }
  }
}
