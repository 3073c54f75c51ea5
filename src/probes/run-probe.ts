import { type Phase, PROBE_DEFAULTS, type ProbeSpec } from '../experiment/schema.js';
import type { Check, ProbeSample } from '../model/journal.js';
import { sleep } from '../util/sleep.js';
import { ProbeFailure } from './observation.js';
import { probeKind, probeRuntime } from './registry.js';
import type { ProbeEnvironment } from './runtime.js';

export { probeKind } from './registry.js';
export type { ProbeEnvironment } from './runtime.js';

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
  const runtime = probeRuntime(kind);
  const subjects = runtime.subjects(spec, env, timeoutMs);
  if (typeof subjects === 'string') return { status: 'error', reason: subjects, checks: [] };

  const outcomes = await Promise.all(
    subjects.map(async (subject) => {
      try {
        const checks = runtime.evaluate(spec.expect, await subject.observe());
        return { label: subject.label, checks, error: undefined as ProbeFailure | undefined };
      } catch (error) {
        const failure = error instanceof ProbeFailure ? error : new ProbeFailure(String(error), 'error');
        const expected = runtime.primary(spec.expect);
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

/** The phases a probe is judged in: its kind's own course, or its `when` (all three by default). */
export function probePhases(spec: ProbeSpec): readonly Phase[] {
  return probeRuntime(probeKind(spec)).schedule?.phases ?? spec.when ?? ['before', 'during', 'after'];
}
