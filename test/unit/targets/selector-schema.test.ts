import { describe, expect, it } from 'vitest';
import { ExperimentInvalidError, parseExperiment } from '../../../src/experiment/load.js';

const FILE = '/experiments/scope.yaml';

function problems(text: string): string[] {
  try {
    parseExperiment(text, FILE, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    expect((error as ExperimentInvalidError).exitCode).toBe(2);
    return (error as ExperimentInvalidError).problems.map(
      (problem) => `${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  throw new Error('expected the experiment to be rejected');
}

describe('selectors and scope.compose in the experiment file', () => {
  it('accepts projects: any on a selector without a scope', () => {
    const loaded = parseExperiment(
      `title: t
hypothesis:
  - name: up
    command: ["true"]
method:
  - kill: { target: { service: api, projects: any } }
`,
      FILE,
      {},
    );
    expect(loaded.experiment.method[0]).toEqual({
      kind: 'kill',
      spec: { target: { service: 'api', projects: 'any' }, signal: 'SIGKILL' },
    });
  });

  it('rejects a selector project outside scope.compose, at the line and column of the project', () => {
    expect(
      problems(`title: t
scope: { compose: shop }
hypothesis:
  - name: db
    container: { target: { service: db, project: other } }
method:
  - parallel:
      - delay: { target: { service: api }, to: [{ service: db, project: staging }], latency: 5ms }
      - partition: { groups: [[{ service: api }], [{ name: x, project: staging }]] }
rollbacks:
  - exec: { target: { name: y, project: shop }, command: ["true"] }
`),
    ).toEqual([
      '5:50 hypothesis[0].container.target.project: project "other" is outside scope.compose "shop", which bounds every target; drop project, or change the scope',
      '8:73 method[0].parallel[0].delay.to[0].project: project "staging" is outside scope.compose "shop", which bounds every target; drop project, or change the scope',
      '9:72 method[0].parallel[1].partition.groups[1][0].project: project "staging" is outside scope.compose "shop", which bounds every target; drop project, or change the scope',
    ]);
  });

  it('rejects projects: any under a scope', () => {
    expect(
      problems(`title: t
scope: { compose: shop }
hypothesis:
  - name: up
    command: ["true"]
method:
  - delay: { target: { service: api, projects: any }, latency: 10ms }
`),
    ).toEqual([
      '7:48 method[0].delay.target.projects: projects: any cannot reach outside scope.compose "shop"; drop one of the two',
    ]);
  });

  it('rejects projects: any next to project, and any other value of projects', () => {
    const found = problems(`title: t
hypothesis:
  - name: up
    command: ["true"]
method:
  - kill: { target: { pattern: api, project: shop, projects: any } }
  - kill: { target: { service: api, projects: all } }
`);
    expect(found[0]).toBe(
      '6:62 method[0].kill.target.projects: use either project (one compose project) or projects: any, not both',
    );
    expect(found[1]).toMatch(/^7:47 method\[1\]\.kill\.target\.projects: expected one of "any"/);
    expect(found).toHaveLength(2);
  });
});
