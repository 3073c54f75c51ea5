import type { ProbeRuntime } from '../runtime.js';
import { one } from '../runtime.js';
import { judgeValue } from './judge.js';
import { queryPrometheus } from './query.js';

export const prometheusRuntime: ProbeRuntime = {
  subjects: (spec, env, timeoutMs) => one(() => queryPrometheus(spec.prometheus!, timeoutMs, env.signal)),
  evaluate: (expect, seen) => (seen.kind === 'prometheus' ? [judgeValue(seen.result, expect?.value)] : []),
  primary: (expect) => ({ name: 'value', expected: expect?.value?.text ?? 'a value' }),
  describe: (spec) => `prometheus ${spec.prometheus!.query}`,
};
