import { describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import { describeAction, describeProbe } from '../../../src/engine/describe.js';
import { buildPlan, PlanError, type PlannedStep } from '../../../src/engine/plan.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { type FakeContainerSpec, FakeDocker } from '../support/fake-docker.js';

function service(
  name: string,
  svc: string,
  state: FakeContainerSpec['state'] = 'running',
): FakeContainerSpec {
  return { name, state, labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: svc } };
}

function fleet(): FakeDocker {
  return new FakeDocker([
    ...Array.from({ length: 8 }, (_, index) => service(`shop-web-${index + 1}`, 'web')),
    service('shop-db-1', 'db'),
    service('shop-worker-1', 'worker', 'exited'),
  ]);
}

const load = (yaml: string) => parseExperiment(yaml, '/experiments/plan.yaml', {});

const HYPOTHESIS = `title: t
scope: { compose: shop }
hypothesis:
  - name: db up
    container: { target: { service: db } }
  - name: worker state
    container: { target: { service: worker } }
    expect: { state: exited }
`;

function faultSteps(steps: PlannedStep[]): Extract<PlannedStep, { kind: 'fault' }>[] {
  return steps.flatMap((step) =>
    step.kind === 'fault' ? [step] : step.kind === 'parallel' ? faultSteps(step.steps) : [],
  );
}

describe('buildPlan', () => {
  it('resolves every step to its targets and Docker actions, without changing anything', async () => {
    const docker = fleet();
    const plan = await buildPlan(
      load(`${HYPOTHESIS}method:
  - pause: { target: { service: db }, duration: 2s }
  - wait: 1s
  - parallel:
      - kill: { target: { name: shop-web-1 }, signal: SIGTERM }
      - stop: { target: { name: shop-web-2 }, grace: 3s }
  - restart: { target: { name: shop-web-3 } }
`),
      docker,
      { seed: 7, runId: 'run-1' },
    );
    expect(docker.calls.map((call) => call.op)).toEqual(['listContainers']);
    expect(plan.seed).toBe(7);
    expect(plan.steps.map((step) => [step.path, step.kind, step.label])).toEqual([
      ['method[0]', 'fault', 'pause service shop/db for 2s'],
      ['method[1]', 'wait', 'wait 1s'],
      ['method[2]', 'parallel', 'in parallel: 2 steps'],
      ['method[3]', 'fault', 'restart name shop-web-3'],
    ]);
    const injections = faultSteps(plan.steps).flatMap((step) =>
      step.injections.map((injection) => ({
        step: step.path,
        kind: step.faultKind,
        target: injection.target.name,
        actions: injection.actions,
        reverts: injection.reverts,
      })),
    );
    expect(injections).toEqual([
      {
        step: 'method[0]',
        kind: 'pause',
        target: 'shop-db-1',
        actions: ['docker pause shop-db-1'],
        reverts: ['docker unpause shop-db-1 (if paused)'],
      },
      {
        step: 'method[2].parallel[0]',
        kind: 'kill',
        target: 'shop-web-1',
        actions: ['docker kill --signal SIGTERM shop-web-1'],
        reverts: ['docker start shop-web-1 (if not running)'],
      },
      {
        step: 'method[2].parallel[1]',
        kind: 'stop',
        target: 'shop-web-2',
        actions: ['docker stop -t 3 shop-web-2'],
        reverts: ['docker start shop-web-2 (if not running)'],
      },
      {
        step: 'method[3]',
        kind: 'restart',
        target: 'shop-web-3',
        actions: ['docker restart -t 10 shop-web-3'],
        reverts: ['docker start shop-web-3 (if not running)'],
      },
    ]);
    // Each injection has its own fault id.
    const ids = faultSteps(plan.steps).flatMap((step) =>
      step.injections.map((injection) => injection.faultId),
    );
    expect(new Set(ids).size).toBe(4);
    expect(plan.runId).toBe('run-1');
    const [pause] = faultSteps(plan.steps);
    expect(pause).toMatchObject({ durationMs: 2000, background: false, selector: 'service shop/db' });
  });

  it('lets container probes look at stopped containers', async () => {
    const loaded = load(`${HYPOTHESIS}method:\n  - wait: 1s\n`);
    const plan = await buildPlan(loaded, fleet(), { seed: 1, runId: 'run-1' });
    const [db, worker] = loaded.experiment.hypothesis;
    expect(plan.probeTargets.get(db!)!.map((target) => target.name)).toEqual(['shop-db-1']);
    expect(plan.probeTargets.get(worker!)!.map((target) => target.name)).toEqual(['shop-worker-1']);
  });

  it('refuses to fault a stopped container', async () => {
    await expect(
      buildPlan(load(`${HYPOTHESIS}method:\n  - pause: { target: { service: worker } }\n`), fleet(), {
        seed: 1,
        runId: 'run-1',
      }),
    ).rejects.toThrow(
      'method[0].pause: no running container matches service shop/worker (shop-worker-1 is exited)',
    );
  });

  it('lists every target that cannot be resolved, not only the first (exit 3)', async () => {
    const error = await buildPlan(
      load(`title: t
scope: { compose: shop }
hypothesis:
  - name: cache up
    container: { target: { service: cache } }
method:
  - pause: { target: { service: api } }
  - wait: 1s
  - kill: { target: { service: web, count: 20 } }
rollbacks:
  - exec: { target: { service: queue }, command: ["true"] }
`),
      fleet(),
      { seed: 1, runId: 'run-1' },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlanError);
    const planError = error as PlanError;
    expect(planError.exitCode).toBe(3);
    expect(planError.code).toBe('PLAN_REFUSED');
    expect(planError.problems).toEqual([
      'hypothesis[0] "cache up": no container matches service shop/cache',
      'method[0].pause: no container matches service shop/api',
      'method[2].kill: service shop/web, count 20: asked for 20 containers, but only 8 are running',
      'rollbacks[0]: no container matches service shop/queue',
    ]);
    expect(planError.message.split('\n')[0]).toBe('4 problems, found before anything was injected:');
  });

  it('picks the same random targets for the same seed, and each step draws on its own', async () => {
    const yaml = `${HYPOTHESIS}method:
  - pause: { target: { service: web, count: 2 } }
  - kill: { target: { service: web, percent: 25 } }
`;
    const picks = async (seed: number) =>
      faultSteps((await buildPlan(load(yaml), fleet(), { seed, runId: 'run-1' })).steps).map((step) =>
        step.targets.map((t) => t.name).join(','),
      );
    expect(await picks(3)).toEqual(await picks(3));
    const bySeed = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => picks(seed)));
    expect(new Set(bySeed.map((pair) => pair[0])).size).toBeGreaterThan(1);
    for (const [pause, kill] of bySeed) {
      expect(pause!.split(',')).toHaveLength(2);
      expect(kill!.split(',')).toHaveLength(2);
    }
    // Two steps with the same selector do not always hit the same containers.
    expect(bySeed.some(([pause, kill]) => pause !== kill)).toBe(true);
  });

  it('plans actions and rollbacks with their exec targets', async () => {
    const plan = await buildPlan(
      load(`${HYPOTHESIS}method:
  - action: { exec: { target: { service: db }, command: [psql, -c, "select 1"] }, background: true }
  - probe: { name: mid, container: { target: { name: shop-web-4 } } }
rollbacks:
  - command: [make, reset]
  - exec: { target: { name: shop-web-5 }, command: [rm, /tmp/x] }
`),
      fleet(),
      { seed: 1, runId: 'run-1' },
    );
    expect(plan.steps[0]).toMatchObject({ kind: 'action', label: 'exec psql -c select 1', background: true });
    expect((plan.steps[0] as Extract<PlannedStep, { kind: 'action' }>).targets.map((t) => t.name)).toEqual([
      'shop-db-1',
    ]);
    expect(plan.steps[1]).toMatchObject({ kind: 'probe', label: 'probe "mid"' });
    const probe = (plan.steps[1] as Extract<PlannedStep, { kind: 'probe' }>).probe;
    expect(plan.probeTargets.get(probe)!.map((t) => t.name)).toEqual(['shop-web-4']);
    expect(plan.rollbackTargets.map((targets) => targets.map((t) => t.name))).toEqual([[], ['shop-web-5']]);
  });
});

describe('describeAction and describeProbe', () => {
  const experiment = load(`title: t
hypothesis:
  - name: a
    http: { url: "http://gw/health", method: HEAD }
  - name: b
    tcp: { host: db, port: 5432 }
  - name: c
    command: [pg_isready, -h, db]
  - name: d
    exec: { target: { name: x }, command: [cat, /ready] }
  - name: e
    container: { target: { name: x } }
method:
  - wait: 1s
rollbacks:
  - name: reset everything
    command: [make, reset]
  - command: [make, reset]
  - exec: { target: { name: x }, command: [rm, -f, /tmp/lock] }
  - http: { url: "http://gw/reset", method: POST }
`).experiment;

  it('names each probe by what it does', () => {
    expect(experiment.hypothesis.map(describeProbe)).toEqual([
      'HEAD http://gw/health',
      'tcp db:5432',
      'run pg_isready -h db',
      'exec cat /ready',
      'inspect container',
    ]);
  });

  it('names each action by its name, or by what it runs', () => {
    expect(experiment.rollbacks!.map(describeAction)).toEqual([
      'reset everything',
      'run make reset',
      'exec rm -f /tmp/lock',
      'POST http://gw/reset',
    ]);
  });
});
