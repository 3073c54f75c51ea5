import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../src/model/journal.js';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, startContainers, uniquePrefix } from '../support/containers.js';
import { inspectState } from '../support/docker-cli.js';

/**
 * What experiment authors write through the built CLI against real containers: service lists in a
 * selector, retries on actions, a setup section, expect: deviated, and plan's host preflight.
 */
const prefix = uniquePrefix('authoring');
const project = prefix;
const api = `${prefix}-api`;
const worker = `${prefix}-worker`;
const other = `${prefix}-other`;
let dir: string;

const compose = (service: string) => ({
  'com.docker.compose.project': project,
  'com.docker.compose.service': service,
});

beforeAll(async () => {
  await startContainers(prefix, [
    { name: 'api', labels: compose('api') },
    { name: 'worker', labels: compose('worker') },
    { name: 'other', labels: compose('other') },
  ]);
  dir = await tempDir();
}, 120_000);

afterAll(async () => {
  await removeTestContainers(prefix);
});

/** An experiment on this file's compose project; `body` is the YAML after title and scope. */
async function experiment(name: string, body: string[]): Promise<string> {
  return writeExperiment(dir, name, [`title: ${name}`, `scope: { compose: ${project} }`, ...body].join('\n'));
}

async function run(file: string, ...args: string[]) {
  const json = path.join(dir, `${path.basename(file)}.json`);
  const result = await faultline(['run', file, '--report', `json=${json}`, ...args]);
  const session = JSON.parse(await readFile(json, 'utf8').catch(() => '{"runs":[]}')) as SessionResult;
  return { ...result, session, run: session.runs[0] };
}

const apiRunning = [
  '  - name: api is running',
  '    container: { target: { service: api } }',
  '    every: 200ms',
];

describe('a list of services in one selector', () => {
  it('pauses the union of the listed services, and unpauses both', async () => {
    const file = await experiment('list.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - pause: { target: { service: [api, worker] }, duration: 1s }',
    ]);
    const result = await run(file);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(`service ${project}/api or ${project}/worker`);
    expect(result.run!.faults.map((fault) => fault.target.name).sort()).toEqual([api, worker]);
    expect(result.run!.faults.every((fault) => fault.status === 'reverted')).toBe(true);
    expect((await inspectState(api)).paused).toBe(false);
    expect((await inspectState(worker)).paused).toBe(false);
    expect((await inspectState(other)).paused).toBe(false);
  });

  it('refuses a list with a name that matches nothing, with a close name, before anything is injected', async () => {
    const file = await experiment('list-typo.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - pause: { target: { service: [api, wroker] }, duration: 1s }',
    ]);
    const result = await run(file);
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain('service wroker matches no container; did you mean "worker"?');
    expect(result.all).not.toMatch(/ {2}inject /);
    expect((await inspectState(api)).paused).toBe(false);
  });

  it('applies max-targets to the union', async () => {
    const file = await experiment('list-limit.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - pause: { target: { service: [api, worker, other] }, duration: 1s }',
      'safety: { max-targets: 2 }',
    ]);
    const result = await run(file);
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain('the faults would touch 3 containers in all; safety.max-targets is 2');
  });
});

describe('retries on actions', () => {
  // Fails until it has been run three times (a store that is not ready right after its restart).
  const flaky = (counter: string) =>
    `["sh", "-c", "n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ]"]`;

  it('runs a failing action again until it succeeds, and the journal shows each attempt', async () => {
    const file = await experiment('retries.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - pause: { target: { service: api }, duration: 500ms }',
      '  - action:',
      '      name: reseed',
      `      command: ${flaky(path.join(dir, 'reseed-count'))}`,
      '      retries: 3',
      '      retry-delay: 100ms',
    ]);
    const result = await run(file);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(
      'method[1] reseed: attempt 1 of 4 failed: exited with 1; trying again in 100ms',
    );
    expect(result.all).toContain('method[1] reseed: attempt 2 of 4 failed');
    expect(result.all).toContain('method[1] reseed: attempt 3 of 4 succeeded');
    const logs = result.run!.journal.filter(
      (entry) => entry.type === 'log' && entry.message.includes('reseed'),
    );
    expect(logs).toHaveLength(3);

    const plan = await faultline(['plan', file]);
    expect(plan.all).toContain('method[1] reseed (up to 3 retries, 100ms apart)');
  });

  it('fails as before when the last attempt fails: exit 3, after how many attempts', async () => {
    const file = await experiment('retries-fail.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - action: { name: reseed, command: ["false"], retries: 1, retry-delay: 50ms }',
    ]);
    const result = await run(file);
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain('method[0] reseed: exited with 1 (after 2 attempts)');
  });
});

describe('a setup section', () => {
  it('runs before the baseline check, so the hypothesis can rely on it', async () => {
    const ready = path.join(dir, 'ready');
    const file = await experiment('setup.yaml', [
      'setup:',
      `  - { name: make ready, command: ["touch", "${ready}"] }`,
      'hypothesis:',
      '  - name: ready',
      `    command: ["test", "-f", "${ready}"]`,
      'method:',
      '  - pause: { target: { service: api }, duration: 500ms }',
    ]);
    const result = await run(file);
    expect(result.exitCode, result.all).toBe(0);
    const journal = result.run!.journal;
    const setupEnd = journal.findIndex((entry) => entry.type === 'step-end' && entry.step === 'setup[0]');
    const before = journal.findIndex((entry) => entry.type === 'phase' && entry.phase === 'before');
    expect(setupEnd).toBeGreaterThan(-1);
    expect(setupEnd).toBeLessThan(before);

    const plan = await faultline(['plan', file]);
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.all).toContain('setup[0] make ready');
  });

  it('a failing setup is an errored run: exit 3, nothing injected, no baseline, no rollbacks', async () => {
    const rolledBack = path.join(dir, 'rolled-back');
    const file = await experiment('setup-fails.yaml', [
      'setup:',
      '  - { name: seed the store, command: ["false"], retries: 1, retry-delay: 50ms }',
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - pause: { target: { service: api }, duration: 1s }',
      'rollbacks:',
      `  - command: ["touch", "${rolledBack}"]`,
    ]);
    const result = await run(file);
    expect(result.exitCode).toBe(3);
    expect(result.run!.outcome).toBe('errored');
    expect(result.all).toContain(
      'setup failed, nothing was injected: setup[0] seed the store: exited with 1 (after 2 attempts)',
    );
    expect(result.run!.faults).toEqual([]);
    expect(result.run!.probes.every((probe) => probe.samples === 0)).toBe(true);
    await expect(readFile(rolledBack)).rejects.toThrow(/ENOENT/);
    expect((await inspectState(api)).paused).toBe(false);
  });
});

describe('expect: deviated', () => {
  it('a deviated run is the expected outcome: reported as deviated, exit 0, said so', async () => {
    const junit = path.join(dir, 'negative.xml');
    const file = await experiment('negative.yaml', [
      'expect: deviated',
      'hypothesis:',
      ...apiRunning,
      'method:',
      '  - pause: { target: { service: api }, duration: 1500ms }',
      'recovery: 5s',
    ]);
    const result = await run(file, '--report', `junit=${junit}`);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/DEVIATED as expected \(expect: deviated\): the hypothesis did not hold/);
    expect(result.run).toMatchObject({ outcome: 'deviated', expected: 'deviated', exitCode: 0 });
    expect(result.session.exitCode).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('name="expect" value="deviated"');
    expect(xml).toMatch(/<testsuites[^>]* failures="0"/);
    expect((await inspectState(api)).paused).toBe(false);
  });

  it('a run that passes when it was expected to deviate fails: exit 1, said so', async () => {
    const file = await experiment('negative-holds.yaml', [
      'expect: deviated',
      'hypothesis:',
      ...apiRunning,
      'method:',
      '  - pause: { target: { service: worker }, duration: 1s }',
    ]);
    const result = await run(file);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toContain('PASSED expected to deviate (expect: deviated), but the hypothesis held');
    expect(result.run).toMatchObject({ outcome: 'passed', expected: 'deviated', exitCode: 1 });
  });

  it('a broken environment is never the expected outcome: exit 3', async () => {
    const file = await experiment('negative-broken.yaml', [
      'expect: deviated',
      'setup:',
      '  - command: ["false"]',
      'hypothesis:',
      ...apiRunning,
      'method:',
      '  - pause: { target: { service: api }, duration: 1s }',
    ]);
    const result = await run(file);
    expect(result.exitCode).toBe(3);
    expect(result.run).toMatchObject({ outcome: 'errored', exitCode: 3 });
  });
});

describe('plan runs the host preflight of run', () => {
  it('a latency step through nsenter on a host without netem: plan says so and exits 3, as run does', async () => {
    const file = await experiment('latency.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - delay: { target: { service: api }, latency: 100ms, duration: 1s }',
    ]);
    const plan = await faultline(['plan', file, '--via', 'nsenter']);
    const run_ = await faultline(['run', file, '--via', 'nsenter']);
    expect(run_.exitCode, run_.all).toBe(3);
    expect(run_.all).toContain('netem');
    expect(plan.exitCode, plan.all).toBe(3);
    expect(plan.all).toMatch(/preflight FAILED, `faultline run` would stop here \(exit 3\): .*netem/s);
  });

  it('a pause (no host feature needed) passes the preflight', async () => {
    const file = await experiment('pause-plan.yaml', [
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      '  - pause: { target: { service: api }, duration: 1s }',
    ]);
    const plan = await faultline(['plan', file]);
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.all).toContain('preflight ok');
  });
});
