import { describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import { buildPlan, type Plan, PlanError, type PlannedStep } from '../../../src/engine/plan.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import type { RunHolder } from '../../../src/targets/resolve.js';
import { type FakeContainerSpec, FakeDocker } from '../support/fake-docker.js';

/** Two compose projects with the same services, and a standalone container, on one host. */
function host(): FakeDocker {
  const member = (project: string, service: string, state: FakeContainerSpec['state'] = 'running') => ({
    name: `${project}-${service}-1`,
    id: `${project}-${service}-${'0'.repeat(40)}`,
    state,
    labels: { [COMPOSE_PROJECT]: project, [COMPOSE_SERVICE]: service },
  });
  return new FakeDocker([
    member('shop', 'api'),
    member('shop', 'db'),
    member('staging', 'api'),
    member('staging', 'db'),
    { name: 'standalone-db', id: `standalone-${'0'.repeat(40)}`, labels: {} },
  ]);
}

const load = (yaml: string) => parseExperiment(yaml, '/experiments/blast.yaml', {});

const experiment = (scope: string | undefined, method: string, hypothesis = '') => `title: t
${scope ? `scope: { compose: ${scope} }\n` : ''}hypothesis:
  - name: up
    command: ["true"]
${hypothesis}method:
${method}`;

async function plan(yaml: string, options: { holderOf?: (id: string) => RunHolder | undefined } = {}) {
  return buildPlan(load(yaml), host(), { seed: 1, runId: 'run-1', ...options });
}

async function refusal(yaml: string, options: { holderOf?: (id: string) => RunHolder | undefined } = {}) {
  const error = await plan(yaml, options).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PlanError);
  return error as PlanError;
}

function faultTargets(result: Plan): string[][] {
  const faults = (steps: PlannedStep[]): Extract<PlannedStep, { kind: 'fault' }>[] =>
    steps.flatMap((step) =>
      step.kind === 'fault' ? [step] : step.kind === 'parallel' ? faults(step.steps) : [],
    );
  return faults(result.steps).map((step) => step.targets.map((target) => target.name));
}

describe('scope.compose bounds every selector of the plan', () => {
  it('bounds pattern, name, labels and id selectors of faults', async () => {
    const result = await plan(
      experiment(
        'shop',
        `  - kill: { target: { pattern: "-db-" } }
  - pause: { target: { pattern: "api" } }
`,
      ),
    );
    expect(faultTargets(result)).toEqual([['shop-db-1'], ['shop-api-1']]);
  });

  it('bounds probe, action, rollback, peer and partition selectors too', async () => {
    const error = await refusal(
      experiment(
        'shop',
        `  - probe: { name: mid, exec: { target: { name: staging-db-1 }, command: ["true"] } }
  - action: { exec: { target: { pattern: "^staging" }, command: ["true"] } }
  - blackhole: { target: { service: api }, to: { name: staging-db-1 } }
  - partition: { groups: [[{ service: api }], [{ name: standalone-db }]] }
rollbacks:
  - exec: { target: { labels: { ${COMPOSE_SERVICE}: db } }, command: ["true"] }
`,
        `  - name: exec
    exec: { target: { name: staging-api-1 }, command: ["true"] }
`,
      ),
    );
    expect(error.problems).toEqual([
      'hypothesis[1] "exec": no container of compose project shop matches name staging-api-1 (outside scope.compose: staging-api-1 is in project staging)',
      'method[0]: no container of compose project shop matches name staging-db-1 (outside scope.compose: staging-db-1 is in project staging)',
      'method[1]: no container of compose project shop matches name matching /^staging/ (outside scope.compose: staging-api-1 is in project staging, staging-db-1 is in project staging)',
      'method[2].blackhole: no container of compose project shop matches name staging-db-1 (outside scope.compose: staging-db-1 is in project staging)',
      'method[3].partition.groups[1][0]: no container of compose project shop matches name standalone-db (outside scope.compose: standalone-db is in no compose project)',
    ]);
    expect(error.hint).toContain('scope.compose bounds every target');
  });

  it('bounds a rollback selected by labels to the scope', async () => {
    const result = await plan(
      experiment(
        'staging',
        `  - wait: 1s
rollbacks:
  - exec: { target: { labels: { ${COMPOSE_SERVICE}: db } }, command: ["true"] }
`,
      ),
    );
    expect(result.rollbackTargets.map((targets) => targets.map((target) => target.name))).toEqual([
      ['staging-db-1'],
    ]);
  });
});

describe('a selector matching several compose projects', () => {
  it('is refused before anything is injected, naming the projects and the ways out', async () => {
    const docker = host();
    const error = await buildPlan(
      load(experiment(undefined, '  - kill: { target: { service: api } }\n')),
      docker,
      {
        seed: 1,
        runId: 'run-1',
      },
    ).then(
      () => undefined as unknown as PlanError,
      (caught: unknown) => caught as PlanError,
    );
    expect(error).toBeInstanceOf(PlanError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      'method[0].kill: service api matches containers of 2 compose projects, refused so as not to fault the wrong one: shop (shop-api-1); staging (staging-api-1); nothing was injected',
    );
    expect(error.hint).toBe(
      'Name the project you mean: set scope.compose, or project: on the selector. To fault them all on purpose, add projects: any to the selector.',
    );
    expect(docker.calls.map((call) => call.op)).toEqual(['listContainers']);
  });

  it('is refused when compose and standalone containers match together, also as a peer', async () => {
    const error = await refusal(
      experiment(undefined, '  - blackhole: { target: { name: shop-api-1 }, to: { pattern: "-db" } }\n'),
    );
    expect(error.problems).toEqual([
      'method[0].blackhole: name matching /-db/ matches containers of 2 compose projects and standalone containers, refused so as not to fault the wrong one: shop (shop-db-1); staging (staging-db-1); no compose project (standalone-db)',
    ]);
  });

  it('runs with projects: any on the selector, or a project', async () => {
    const result = await plan(
      experiment(
        undefined,
        `  - kill: { target: { service: api, projects: any } }
  - pause: { target: { service: api, project: staging } }
`,
      ),
    );
    expect(faultTargets(result)).toEqual([['shop-api-1', 'staging-api-1'], ['staging-api-1']]);
  });
});

describe('a target held by another run', () => {
  it('is refused naming that run, not as "no running container"', async () => {
    const docker = host();
    docker.setState('shop-db-1', 'paused');
    const holder: RunHolder = { runId: 'feedc0de', pid: 31337, file: '/experiments/pause-db.yaml' };
    const error = await buildPlan(
      load(experiment('shop', '  - kill: { target: { service: db } }\n')),
      docker,
      { seed: 1, runId: 'run-1', holderOf: (id) => (id.startsWith('shop-db') ? holder : undefined) },
    ).then(
      () => undefined as unknown as PlanError,
      (caught: unknown) => caught as PlanError,
    );
    expect(error.problems).toEqual([
      'method[0].kill: service shop/db is held by another faultline run: shop-db-1 is paused by run feedc0de (pid 31337, /experiments/pause-db.yaml)',
    ]);
    expect(error.hint).toContain('faultline status');
    expect(error.message).not.toContain('no running container');
  });
});
