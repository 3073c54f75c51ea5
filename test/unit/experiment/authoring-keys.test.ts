import { describe, expect, it } from 'vitest';
import { ExperimentInvalidError, parseExperiment } from '../../../src/experiment/load.js';

const HEAD = ['title: t', 'hypothesis:', '  - name: up', '    command: ["true"]'];
const METHOD = ['method:', '  - pause: { target: { service: api } }'];

const parse = (lines: string[]) => parseExperiment(lines.join('\n'), 'checkout.yaml', {});

function problems(lines: string[]): string[] {
  try {
    parse(lines);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    return (error as ExperimentInvalidError).problems.map(
      (problem) => `${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  throw new Error('expected the experiment to be rejected');
}

describe('the experiment keys for setup, retries, expect and selector lists', () => {
  it('reads setup actions, retries with their delay, expect and a list of services', () => {
    const { experiment } = parse([
      ...HEAD,
      'setup:',
      '  - { command: ["seed"], retries: 3, retry-delay: 2s }',
      'method:',
      '  - pause: { target: { service: [api, worker] } }',
      'expect: deviated',
    ]);
    expect(experiment.setup).toEqual([{ command: ['seed'], retries: 3, 'retry-delay': 2000 }]);
    expect(experiment.expect).toBe('deviated');
    expect(experiment.method[0]).toMatchObject({
      kind: 'pause',
      spec: { target: { service: ['api', 'worker'] } },
    });
  });

  it('refuses an expect that is neither passed nor deviated, where it is written', () => {
    const found = problems([...HEAD, ...METHOD, 'expect: fail']);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^7:9 expect: .*"passed".*"deviated"/);
  });

  it('refuses a background setup action: setup runs in order', () => {
    const found = problems([...HEAD, 'setup:', '  - { command: ["seed"], background: true }', ...METHOD]);
    expect(found).toEqual([
      '6:38 setup[0].background: setup actions run in order, each finished before the next; background is for method steps',
    ]);
  });

  it('refuses negative retries and an empty list of services', () => {
    const found = problems([
      ...HEAD,
      'method:',
      '  - action: { command: ["seed"], retries: -1 }',
      '  - pause: { target: { service: [] } }',
    ]);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^6:.* method\[0\]\.action\.retries: /);
    expect(found[1]).toMatch(/^7:.* method\[1\]\.pause\.target\.service: /);
  });
});
