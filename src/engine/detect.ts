import type { DetectSpec } from '../experiment/schema.js';
import { PROBE_DEFAULTS } from '../experiment/schema.js';
import { detectName } from '../model/detection-name.js';
import type { Detection, ProbeSample } from '../model/journal.js';
import { type ProbeEnvironment, runProbe } from '../probes/run-probe.js';
import { formatDuration } from '../util/duration.js';
import { sleep } from '../util/sleep.js';

export { detectName } from '../model/detection-name.js';

/**
 * The experiment's detection checks (`detect:`): from the start of the method, each probe is sampled
 * every `every` until it passes or `within` has passed since the first fault started. A probe already
 * passing before any fault cannot show that the fault was noticed, so that is a failed check. Each
 * ends as one `during` sample with a "time to detect" check.
 */
export class DetectWatch {
  private readonly done: Promise<Detection[]>;
  /** Resolves once each check has been sampled before any fault: the method starts after it. */
  readonly ready: Promise<void>;
  private finished: Detection[] | undefined;
  private readonly stopped = new AbortController();

  constructor(
    specs: readonly DetectSpec[],
    env: ProbeEnvironment,
    /** When the first fault started (epoch ms), once one has. */
    firstFaultAt: () => number | undefined,
    record: (sample: ProbeSample) => void,
  ) {
    const signal = AbortSignal.any([env.signal, this.stopped.signal]);
    const early = specs.map((spec) => runProbe(spec, 'during', { ...env, signal }));
    this.ready = Promise.allSettled(early).then(() => undefined);
    this.done = Promise.all(
      specs.map(async (spec, index) => {
        const { sample, detection } = await watchOne(spec, { ...env, signal }, firstFaultAt, early[index]!);
        if (sample) record(sample);
        return detection;
      }),
    ).then((all) => {
      this.finished = all;
      return all;
    });
  }

  /** Waits for every check to pass or reach its deadline. */
  async finish(): Promise<Detection[]> {
    return this.done;
  }

  /** Each check's result, once all have ended. */
  results(): Detection[] | undefined {
    return this.finished;
  }

  /** Stops every check now (the run ends without faults, or is stopped). */
  stop(): void {
    this.stopped.abort();
  }
}

async function watchOne(
  spec: DetectSpec,
  env: ProbeEnvironment,
  firstFaultAt: () => number | undefined,
  before: Promise<ProbeSample>,
): Promise<{ sample: ProbeSample | undefined; detection: Detection }> {
  const name = detectName(spec);
  const every = spec.every ?? PROBE_DEFAULTS.every;
  const detection: Detection = { probe: spec.name, withinMs: spec.within, detectedAfterMs: null, reason: '' };
  const early = await before;
  if (early.status === 'pass') {
    detection.reason = `already passing before any fault started (${early.reason}): it cannot show that the fault was noticed`;
    return { sample: { ...early, probe: name, status: 'fail', reason: detection.reason }, detection };
  }
  let last = early;
  for (;;) {
    const started = firstFaultAt();
    if (env.signal.aborted) {
      // No fault ever started: nothing to detect (the summary says so); a stopped run says nothing more.
      if (started === undefined)
        return { sample: undefined, detection: { ...detection, reason: 'no fault' } };
      break;
    }
    if (started !== undefined) {
      const sample = await runProbe(spec, 'during', env);
      const at = Date.parse(sample.startedAt);
      if (sample.status === 'pass' && at - started <= spec.within) {
        detection.detectedAfterMs = Math.max(0, at - started);
        detection.reason = sample.reason;
        const took = formatDuration(detection.detectedAfterMs);
        return {
          sample: {
            ...sample,
            probe: name,
            reason: `noticed ${took} after the first fault started (within ${formatDuration(spec.within)}): ${sample.reason}`,
            checks: [...sample.checks, timeCheck(spec.within, took, true)],
          },
          detection,
        };
      }
      last = sample;
      if (Date.now() - started >= spec.within) break;
    }
    await sleep(every, env.signal).catch(() => undefined);
  }
  detection.reason = last.reason;
  const status = last.status === 'error' ? 'error' : 'fail';
  return {
    sample: {
      ...last,
      probe: name,
      status,
      reason: `not noticed within ${formatDuration(spec.within)} of the first fault: ${last.reason}`,
      checks: [...last.checks, timeCheck(spec.within, 'not within the deadline', false)],
    },
    detection,
  };
}

function timeCheck(withinMs: number, actual: string, ok: boolean) {
  return { name: 'time to detect', expected: `within ${formatDuration(withinMs)}`, actual, ok };
}
