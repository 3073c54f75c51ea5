import { PROBE_KINDS, type ProbeKind, type ProbeSpec } from '../experiment/schema.js';
import type { Target } from '../targets/target.js';
import { observeCommand } from './command-probe.js';
import { observeContainer, observeExec } from './container-probes.js';
import { evaluate, type JudgedKind, primaryExpectation } from './evaluate.js';
import { observeHttp } from './http-probe.js';
import type { Observation } from './observation.js';
import { judgeValue } from './prometheus/judge.js';
import { queryPrometheus } from './prometheus/query.js';
import type { ProbeRuntime, ProbeRuntimes, ProbeSubject } from './runtime.js';
import { observeTcp } from './tcp-probe.js';
import { DEFAULT_WORKLOAD_THRESHOLDS } from './workload/thresholds.js';
import type { WorkloadSpec } from './workload/types.js';

/**
 * The runtime side of the probe registry: how each kind observes and is judged. The schema side is
 * probes/kinds.ts; a kind is in both, once each.
 */

/** A kind judged by evaluate.ts, with its subjects and description. */
function judged(
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

const one = (observe: ProbeSubject['observe']): ProbeSubject[] => [{ label: undefined, observe }];

/** One subject per target, labelled with its name when there are several. */
function perTarget(targets: Target[], observe: (target: Target) => Promise<Observation>): ProbeSubject[] {
  return targets.map((target) => ({
    label: targets.length > 1 ? target.name : undefined,
    observe: () => observe(target),
  }));
}

const RUNTIMES: ProbeRuntimes = {
  http: judged(
    'http',
    (spec, env, timeoutMs) => one(() => observeHttp(spec.http!, timeoutMs, env.signal)),
    (spec) => `${spec.http!.method} ${spec.http!.url}`,
  ),
  tcp: judged(
    'tcp',
    (spec, env, timeoutMs) => one(() => observeTcp(spec.tcp!, timeoutMs, env.signal)),
    (spec) => `tcp ${spec.tcp!.host}:${spec.tcp!.port}`,
  ),
  exec: judged(
    'exec',
    (spec, env, timeoutMs) =>
      perTarget(env.targetsOf(spec), (target) =>
        observeExec(env.docker, target, spec.exec!.command, timeoutMs, env.signal),
      ),
    (spec) => `exec ${spec.exec!.command.join(' ')}`,
  ),
  command: judged(
    'command',
    (spec, env, timeoutMs) => one(() => observeCommand(spec.command!, env.cwd, timeoutMs, env.signal)),
    (spec) => `run ${spec.command!.join(' ')}`,
  ),
  container: judged(
    'container',
    (spec, env) => perTarget(env.targetsOf(spec), (target) => observeContainer(env.docker, target)),
    () => 'inspect container',
  ),
  // Load probes run for the whole experiment (see engine/load-phases.ts), not sample by sample.
  load: judged(
    'load',
    () => 'a load probe cannot be checked as a single sample',
    (spec) => `${spec.load!.method} ${spec.load!.url} at ${spec.load!.rate}/s`,
  ),
  prometheus: {
    subjects: (spec, env, timeoutMs) => one(() => queryPrometheus(spec.prometheus!, timeoutMs, env.signal)),
    evaluate: (expect, seen) => (seen.kind === 'prometheus' ? [judgeValue(seen.result, expect?.value)] : []),
    primary: (expect) => ({ name: 'value', expected: expect?.value?.text ?? 'a value' }),
    describe: (spec) => `prometheus ${spec.prometheus!.query}`,
  },
  // A workload writes for the whole run and is judged once, after recovery (engine/workload-phases.ts).
  workload: {
    subjects: () => 'a workload probe is judged once, after recovery, not sample by sample',
    evaluate: () => [],
    primary: (expect) => ({
      name: 'thresholds',
      expected: (expect?.thresholds ?? DEFAULT_WORKLOAD_THRESHOLDS).join(', '),
    }),
    describe: (spec) => `workload ${describeWrite(spec.workload!.write)} at ${spec.workload!.rate}/s`,
  },
};

function describeWrite(write: WorkloadSpec['write']): string {
  if (write.http) return `${write.http.method} ${write.http.url}`;
  if (write.command) return `run ${write.command.join(' ')}`;
  return `exec ${write.exec!.command.join(' ')}`;
}

/** The runtime side of a probe's kind. */
export function probeRuntime(kind: ProbeKind): ProbeRuntime {
  return RUNTIMES[kind];
}

/** The kind of a parsed probe (it has exactly one). */
export function probeKind(spec: ProbeSpec): ProbeKind {
  return PROBE_KINDS.find((kind) => spec[kind] !== undefined)!;
}
