import type { DockerClient } from '../docker/client.js';
import {
  type Phase,
  PROBE_DEFAULTS,
  PROBE_KINDS,
  type ProbeKind,
  type ProbeSpec,
} from '../experiment/schema.js';
import type { Check, ProbeSample } from '../model/journal.js';
import type { Target } from '../targets/target.js';
import { sleep } from '../util/sleep.js';
import { observeCommand } from './command-probe.js';
import { observeContainer, observeExec } from './container-probes.js';
import { evaluate, primaryExpectation } from './evaluate.js';
import { observeHttp } from './http-probe.js';
import type { Observation } from './observation.js';
import { ProbeFailure } from './observation.js';
import { observeTcp } from './tcp-probe.js';

export interface ProbeEnvironment {
  docker: DockerClient;
  /** Folder that relative host commands run in (the experiment file's folder). */
  cwd: string;
  signal: AbortSignal;
  /** Containers that exec and container probes look at, resolved when the run starts. */
  targetsOf(probe: ProbeSpec): Target[];
}

export function probeKind(spec: ProbeSpec): ProbeKind {
  return PROBE_KINDS.find((kind) => spec[kind] !== undefined)!;
}

/** Runs one probe check: up to 1 + retries attempts, `interval` apart, stopping at the first pass. */
export async function runProbe(
  spec: ProbeSpec,
  phase: ProbeSample['phase'],
  env: ProbeEnvironment,
): Promise<ProbeSample> {
  const startedAt = new Date();
  const started = performance.now();
  const retries = spec.retries ?? PROBE_DEFAULTS.retries;
  let attempt = 0;
  let result: Omit<ProbeSample, 'probe' | 'phase' | 'attempts' | 'startedAt' | 'durationMs'>;
  for (;;) {
    attempt++;
    result = await attemptProbe(spec, env);
    if (result.status === 'pass' || attempt > retries || env.signal.aborted) break;
    await sleep(spec.interval ?? PROBE_DEFAULTS.interval, env.signal).catch(() => undefined);
    if (env.signal.aborted) break;
  }
  return {
    probe: spec.name,
    phase,
    ...result,
    attempts: attempt,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
}

async function attemptProbe(
  spec: ProbeSpec,
  env: ProbeEnvironment,
): Promise<Pick<ProbeSample, 'status' | 'reason' | 'checks'>> {
  const kind = probeKind(spec);
  const timeoutMs = spec.timeout ?? PROBE_DEFAULTS.timeout;
  const subjects: { label: string | undefined; observe: () => Promise<Observation> }[] = [];
  switch (kind) {
    case 'load':
      // Load probes run for the whole experiment (see engine/load-phases.ts), not sample by sample.
      return { status: 'error', reason: 'a load probe cannot be checked as a single sample', checks: [] };
    case 'http':
      subjects.push({ label: undefined, observe: () => observeHttp(spec.http!, timeoutMs, env.signal) });
      break;
    case 'tcp':
      subjects.push({ label: undefined, observe: () => observeTcp(spec.tcp!, timeoutMs, env.signal) });
      break;
    case 'command':
      subjects.push({
        label: undefined,
        observe: () => observeCommand(spec.command!, env.cwd, timeoutMs, env.signal),
      });
      break;
    case 'exec':
    case 'container': {
      const targets = env.targetsOf(spec);
      for (const target of targets) {
        subjects.push({
          label: targets.length > 1 ? target.name : undefined,
          observe: () =>
            kind === 'exec'
              ? observeExec(env.docker, target, spec.exec!.command, timeoutMs, env.signal)
              : observeContainer(env.docker, target),
        });
      }
      break;
    }
  }

  const outcomes = await Promise.all(
    subjects.map(async (subject) => {
      try {
        const checks = evaluate(kind, spec.expect, await subject.observe());
        return { label: subject.label, checks, error: undefined as ProbeFailure | undefined };
      } catch (error) {
        const failure = error instanceof ProbeFailure ? error : new ProbeFailure(String(error), 'error');
        const expected = primaryExpectation(kind, spec.expect);
        const check: Check = { ...expected, actual: failure.message, ok: false };
        return { label: subject.label, checks: [check], error: failure };
      }
    }),
  );

  const checks = outcomes.flatMap((outcome) =>
    outcome.checks.map((check) =>
      outcome.label ? { ...check, name: `${outcome.label}: ${check.name}` } : check,
    ),
  );
  const toolError = outcomes.find((outcome) => outcome.error?.kind === 'error')?.error;
  if (toolError) return { status: 'error', reason: `probe could not run: ${toolError.message}`, checks };
  const failed = checks.filter((check) => !check.ok);
  if (failed.length === 0) return { status: 'pass', reason: describeChecks(checks), checks };
  return {
    status: 'fail',
    reason: failed
      .map((check) => `${check.name}: expected ${check.expected}, saw ${check.actual}`)
      .join('; '),
    checks,
  };
}

function describeChecks(checks: Check[]): string {
  return checks.map((check) => `${check.name} ${check.actual}`).join(', ');
}

export function probePhases(spec: ProbeSpec): readonly Phase[] {
  return spec.when ?? ['before', 'during', 'after'];
}
