import type { DockerClient } from '../docker/client.js';
import type { Expectation, Phase, ProbeKind, ProbeSpec } from '../experiment/schema.js';
import type { Check } from '../model/journal.js';
import type { Target } from '../targets/target.js';
import { evaluate, type JudgedKind, primaryExpectation } from './evaluate.js';
import type { Observation } from './observation.js';

export interface ProbeEnvironment {
  docker: DockerClient;
  /** Folder that relative host commands run in (the experiment file's folder). */
  cwd: string;
  signal: AbortSignal;
  /** Containers that exec and container probes look at, resolved when the run starts. */
  targetsOf(probe: ProbeSpec): Target[];
}

/** One thing an attempt observes: the probe's one subject, or one of its targets (then labelled). */
export interface ProbeSubject {
  label: string | undefined;
  observe(): Promise<Observation>;
}

/**
 * The runtime side of a probe kind (the schema side is probes/kind.ts): what one attempt observes,
 * how an observation is judged, and how the probe reads in plans and output.
 */
export interface ProbeRuntime {
  /** What one attempt observes; a string when the kind is not checked sample by sample (load). */
  subjects(spec: ProbeSpec, env: ProbeEnvironment, timeoutMs: number): ProbeSubject[] | string;
  evaluate(expect: Expectation | undefined, seen: Observation): Check[];
  /** The expectation checked first, for a failure where nothing could be observed. */
  primary(expect: Expectation | undefined): { name: string; expected: string };
  describe(spec: ProbeSpec): string;
  /**
   * A kind judged on its own course rather than at each of the probe's `when` phases (a workload, once
   * after recovery): those phases, and the course as the plan says it.
   */
  schedule?: { phases: readonly Phase[]; describe(spec: ProbeSpec): string };
}

export type ProbeRuntimes = { [Kind in ProbeKind]: ProbeRuntime };

/** A kind judged by evaluate.ts, with its subjects and description. */
export function judged(
  kind: JudgedKind,
  subjects: ProbeRuntime['subjects'],
  describe: ProbeRuntime['describe'],
): ProbeRuntime {
  return {
    subjects,
    evaluate: (expect, seen) => evaluate(kind, expect, seen),
    primary: (expect) => primaryExpectation(kind, expect),
    describe,
  };
}

export const one = (observe: ProbeSubject['observe']): ProbeSubject[] => [{ label: undefined, observe }];

/** One subject per target, labelled with its name when there are several. */
export function perTarget(
  targets: Target[],
  observe: (target: Target) => Promise<Observation>,
): ProbeSubject[] {
  return targets.map((target) => ({
    label: targets.length > 1 ? target.name : undefined,
    observe: () => observe(target),
  }));
}
