import type { Phase, ProbeSpec } from '../experiment/schema.js';
import { PROBE_DEFAULTS } from '../experiment/schema.js';
import type { ProbeSample, ProbeSummary } from '../model/journal.js';
import { type ProbeEnvironment, probePhases, runProbe } from '../probes/run-probe.js';
import { sleep } from '../util/sleep.js';
import type { Recorder } from './recorder.js';

/** Collects each hypothesis probe's samples per phase and says whether the hypothesis held. */
export class HypothesisTracker {
  private readonly summaries = new Map<string, ProbeSummary>();

  constructor(
    private readonly probes: readonly ProbeSpec[],
    private readonly recorder: Recorder,
  ) {
    for (const phase of ['before', 'during', 'after'] as const) {
      for (const probe of probes) {
        if (probePhases(probe).includes(phase)) {
          this.summaries.set(key(probe.name, phase), {
            probe: probe.name,
            phase,
            status: 'not-run',
            samples: 0,
            failures: 0,
            reason: phase === 'during' ? 'no fault was active long enough to sample' : 'not run',
          });
        }
      }
    }
  }

  /** A summary for a check that is not a hypothesis probe (a detection), judged in `phase`. */
  expect(probe: string, phase: Phase, reason: string): void {
    this.summaries.set(key(probe, phase), {
      probe,
      phase,
      status: 'not-run',
      samples: 0,
      failures: 0,
      reason,
    });
  }

  /** The probes checked sample by sample in a phase (load probes are judged over whole phases instead). */
  probesFor(phase: Phase): ProbeSpec[] {
    return this.probes.filter(
      (probe) => !probe.load && !probe.workload && probePhases(probe).includes(phase),
    );
  }

  /** Records a sample; `final` is false for recovery attempts that may still be followed by a pass. */
  record(sample: ProbeSample, final = true): void {
    this.recorder.record({ type: 'probe', sample });
    if (!final) return;
    this.addToSummary(sample);
  }

  /** Method probes have no fixed phase: each gets a summary of its own. */
  recordMethodProbe(sample: ProbeSample): void {
    this.recorder.record({ type: 'probe', sample });
    const id = key(sample.probe, 'method');
    if (!this.summaries.has(id)) {
      this.summaries.set(id, {
        probe: sample.probe,
        phase: 'method',
        status: 'not-run',
        samples: 0,
        failures: 0,
        reason: '',
      });
    }
    this.addToSummary(sample);
  }

  private addToSummary(sample: ProbeSample): void {
    const summary = this.summaries.get(key(sample.probe, sample.phase));
    if (!summary) return;
    summary.samples++;
    if (sample.status === 'pass') {
      if (summary.status === 'not-run') summary.status = 'pass';
      if (summary.failures === 0) summary.reason = sample.reason;
      return;
    }
    summary.failures++;
    // error outranks fail; the first miss's reason is kept as the explanation.
    if (summary.status !== 'error' && summary.status !== 'fail') summary.reason = sample.reason;
    if (sample.status === 'error') {
      if (summary.status !== 'error') summary.reason = sample.reason;
      summary.status = 'error';
    } else if (summary.status !== 'error') {
      summary.status = 'fail';
    }
  }

  all(): ProbeSummary[] {
    return [...this.summaries.values()];
  }

  phase(phase: ProbeSummary['phase']): ProbeSummary[] {
    return this.all().filter((summary) => summary.phase === phase);
  }
}

function key(name: string, phase: string): string {
  return `${phase}\u0000${name}`;
}

/** Runs every `before` probe once (with its retries). */
export async function checkBaseline(tracker: HypothesisTracker, env: ProbeEnvironment): Promise<void> {
  const samples = await Promise.all(
    tracker.probesFor('before').map((probe) => runProbe(probe, 'before', env)),
  );
  for (const sample of samples) tracker.record(sample);
}

/**
 * Samples probes every `every` while any fault is active, starting as soon as one becomes active.
 * `stop()` waits for samples in flight. Used for the `during` phase and for guards.
 */
export function startSampler(
  probes: readonly ProbeSpec[],
  phase: ProbeSample['phase'],
  env: ProbeEnvironment,
  isFaultActive: () => boolean,
  onSample: (sample: ProbeSample) => void,
): { stop(): Promise<void> } {
  const state = probes.map(() => ({ nextDue: 0, inFlight: undefined as Promise<void> | undefined }));
  // Stopping wakes the loop at once: the run's next phase does not wait out the tick.
  const stopping = new AbortController();
  const wake = AbortSignal.any([env.signal, stopping.signal]);
  const tick = 25;

  const loop = (async () => {
    while (!wake.aborted) {
      if (isFaultActive()) {
        const now = performance.now();
        probes.forEach((probe, index) => {
          const slot = state[index]!;
          if (slot.inFlight || now < slot.nextDue) return;
          slot.nextDue = now + (probe.every ?? PROBE_DEFAULTS.every);
          slot.inFlight = runProbe(probe, phase, env).then((sample) => {
            if (!env.signal.aborted) onSample(sample);
            slot.inFlight = undefined;
          });
        });
      }
      await sleep(tick, wake).catch(() => undefined);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
      await Promise.all(state.map((slot) => slot.inFlight));
    },
  };
}

export function startDuringSampler(
  tracker: HypothesisTracker,
  env: ProbeEnvironment,
  isFaultActive: () => boolean,
): { stop(): Promise<void> } {
  return startSampler(tracker.probesFor('during'), 'during', env, isFaultActive, (sample) =>
    tracker.record(sample),
  );
}

/**
 * After every fault is reverted, each `after` probe must pass within the recovery deadline. Misses
 * before the deadline are journaled but only the last attempt decides.
 */
export async function checkRecovery(
  tracker: HypothesisTracker,
  env: ProbeEnvironment,
  recoveryMs: number,
): Promise<void> {
  const deadline = performance.now() + recoveryMs;
  await Promise.all(
    tracker.probesFor('after').map(async (probe) => {
      for (;;) {
        const sample = await runProbe(probe, 'after', env);
        const timeLeft = deadline - performance.now();
        const final =
          sample.status === 'pass' || timeLeft <= 0 || env.signal.aborted || sample.status === 'error';
        if (final && sample.status === 'fail' && recoveryMs > 0) {
          sample.reason = `not recovered within ${Math.round(recoveryMs / 100) / 10}s: ${sample.reason}`;
        }
        tracker.record(sample, final);
        if (final) return;
        const wait = Math.min(probe.every ?? PROBE_DEFAULTS.every, timeLeft);
        await sleep(wait, env.signal).catch(() => undefined);
      }
    }),
  );
}
