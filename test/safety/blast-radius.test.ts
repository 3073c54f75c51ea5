import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../src/docker/labels.js';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, startContainers, uniquePrefix } from '../support/containers.js';
import { inspectState } from '../support/docker-cli.js';
import { freshStateDir, locksIn, startFaultline } from '../support/safety.js';

/**
 * The blast radius against real containers: two compose projects with the same service, and a
 * standalone container, side by side on one Docker Engine (as when a stack runs twice, or a staging
 * copy sits next to a local one). Every name here is unique to this file, so nothing else matches.
 */
const prefix = uniquePrefix('blast');
const projectA = `${prefix}-a`;
const projectB = `${prefix}-b`;
const service = `${prefix}-api`;
const names = { a: `${prefix}-a-api`, b: `${prefix}-b-api`, loose: `${prefix}-loose-api` };
let dir: string;

beforeAll(async () => {
  await startContainers(prefix, [
    { name: 'a-api', labels: { [COMPOSE_PROJECT]: projectA, [COMPOSE_SERVICE]: service } },
    { name: 'b-api', labels: { [COMPOSE_PROJECT]: projectB, [COMPOSE_SERVICE]: service } },
    { name: 'loose-api' },
  ]);
  dir = await tempDir();
});

afterAll(async () => {
  await removeTestContainers(prefix);
});

const experiment = (head: string, method: string) =>
  [
    'title: blast radius',
    head,
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    'method:',
    method,
  ].join('\n');

async function pausedNow(): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.values(names).map(async (name) => [name, (await inspectState(name)).paused] as const),
  );
  return Object.fromEntries(entries);
}

const nonePaused = () => Object.fromEntries(Object.values(names).map((name) => [name, false]));

async function faultedTargets(report: string): Promise<string[]> {
  const session = JSON.parse(await readFile(report, 'utf8')) as {
    runs: { faults: { target: { name: string } }[] }[];
  };
  return session.runs[0]!.faults.map((fault) => fault.target.name).sort();
}

describe('scope.compose', () => {
  it('bounds a name pattern: only the scoped project is faulted, and plan says which project', async () => {
    const file = await writeExperiment(
      dir,
      'scoped.yaml',
      experiment(
        `scope: { compose: ${projectA} }`,
        `  - pause: { target: { pattern: "^${prefix}-" }, duration: 1s }`,
      ),
    );
    const plan = await faultline(['plan', file]);
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.stdout).toContain(`pause-1 on ${names.a}`);
    expect(plan.stdout).not.toContain(names.b);
    expect(plan.stdout).toContain(`targets: compose project ${projectA}`);

    const report = path.join(dir, 'scoped.json');
    const run = await faultline(['run', file, '--report', `json=${report}`], {
      env: { FAULTLINE_STATE_DIR: await freshStateDir() },
    });
    expect(run.exitCode, run.all).toBe(0);
    expect(await faultedTargets(report)).toEqual([names.a]);
    expect(await pausedNow()).toEqual(nonePaused());
  });
});

describe('a selector that matches several compose projects', () => {
  it('is refused with exit 3 before anything is injected, naming the projects', async () => {
    const file = await writeExperiment(
      dir,
      'ambiguous.yaml',
      experiment('', `  - pause: { target: { service: ${service} }, duration: 5s }`),
    );
    const plan = await faultline(['plan', file]);
    expect(plan.exitCode).toBe(3);
    const run = await faultline(['run', file], { env: { FAULTLINE_STATE_DIR: await freshStateDir() } });
    expect(run.exitCode).toBe(3);
    for (const output of [String(plan.all), String(run.all)]) {
      expect(output).toContain(
        `service ${service} matches containers of 2 compose projects, refused so as not to fault the wrong one: ${projectA} (${names.a}); ${projectB} (${names.b})`,
      );
      expect(output).toContain('projects: any');
      expect(output).not.toMatch(/\n\s+at /);
    }
    expect(run.all).not.toMatch(/ {3}inject /);
    expect(await pausedNow()).toEqual(nonePaused());
  });

  it('is refused when it mixes compose and standalone containers', async () => {
    const file = await writeExperiment(
      dir,
      'mixed.yaml',
      experiment('', `  - pause: { target: { pattern: "^${prefix}-(a|loose)-api$" }, duration: 5s }`),
    );
    const run = await faultline(['run', file], { env: { FAULTLINE_STATE_DIR: await freshStateDir() } });
    expect(run.exitCode).toBe(3);
    expect(run.all).toContain(`${projectA} (${names.a}); no compose project (${names.loose})`);
    expect(await pausedNow()).toEqual(nonePaused());
  });

  it('runs across projects when the selector says projects: any, and plan lists both', async () => {
    const file = await writeExperiment(
      dir,
      'any.yaml',
      experiment('', `  - pause: { target: { service: ${service}, projects: any }, duration: 1s }`),
    );
    const plan = await faultline(['plan', file]);
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.stdout).toContain(`targets: compose projects ${projectA}, ${projectB}`);
    const report = path.join(dir, 'any.json');
    const run = await faultline(['run', file, '--report', `json=${report}`], {
      env: { FAULTLINE_STATE_DIR: await freshStateDir() },
    });
    expect(run.exitCode, run.all).toBe(0);
    expect(await faultedTargets(report)).toEqual([names.a, names.b]);
    expect(await pausedNow()).toEqual(nonePaused());
  });
});

describe('a container paused by another run', () => {
  it('is refused naming that run (id, pid, file), not as "no running container"', async () => {
    const stateDir = await freshStateDir();
    const scoped = `scope: { compose: ${projectA} }`;
    const firstFile = await writeExperiment(
      dir,
      'first.yaml',
      experiment(scoped, `  - pause: { target: { service: ${service} }, duration: 6s }`),
    );
    const first = startFaultline(['run', firstFile], stateDir);
    const firstId = await first.runId();
    await first.waitForInjected(1);
    expect((await inspectState(names.a)).paused).toBe(true);

    const second = await faultline(
      [
        'run',
        await writeExperiment(
          dir,
          'second.yaml',
          experiment(scoped, `  - kill: { target: { service: ${service} } }`),
        ),
      ],
      { env: { FAULTLINE_STATE_DIR: stateDir } },
    );
    expect(second.exitCode).toBe(3);
    expect(second.all).toContain(
      `service ${projectA}/${service} is held by another faultline run: ${names.a} is paused by run ${firstId} (pid ${first.pid}, ${firstFile})`,
    );
    expect(second.all).not.toContain('no running container');
    expect(second.all).toContain('faultline status');
    expect(second.all).not.toMatch(/ {3}inject /);

    const finished = await first.finished;
    expect(finished.exitCode, first.text).toBe(0);
    expect(await pausedNow()).toEqual(nonePaused());
    expect(locksIn(stateDir)).toEqual([]);
  });
});
