import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../src/model/journal.js';
import {
  copyExperiments,
  E2E_STACK,
  faultline,
  REPO,
  stack,
  tempDir,
  writeExperiment,
} from '../support/cli.js';
import { docker, inspectState } from '../support/docker-cli.js';

const backendA = `${E2E_STACK.project}_backend-a_1`;
let dir: string;

/** Name, state, paused flag and start time of every container of the stack. */
async function stackState(): Promise<string> {
  const ids = await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${E2E_STACK.project}`);
  return docker(
    'inspect',
    '--format',
    '{{.Name}} {{.State.Status}} {{.State.Paused}} {{.State.StartedAt}}',
    ...ids.split('\n'),
  );
}

async function readSession(file: string): Promise<SessionResult> {
  return JSON.parse(await readFile(file, 'utf8')) as SessionResult;
}

beforeAll(async () => {
  await stack('up');
  dir = await copyExperiments();
}, 180_000);

afterAll(async () => {
  await stack('down');
}, 120_000);

describe('faultline run against the demo stack', () => {
  it('passes the resilient experiment: exit 0, JSON and JUnit reports, backend running again', async () => {
    const json = path.join(dir, 'out/resilient.json');
    const junit = path.join(dir, 'out/resilient.xml');
    const result = await faultline([
      'run',
      path.join(dir, 'checkout-survives-backend-pause.yaml'),
      '--report',
      `json=${json}`,
      '--report',
      `junit=${junit}`,
    ]);
    expect(result.all).toContain('PASSED');
    expect(result.exitCode).toBe(0);

    const session = await readSession(json);
    const run = session.runs[0]!;
    expect(run.outcome).toBe('passed');
    expect(run.faults).toHaveLength(1);
    expect(run.faults[0]).toMatchObject({ fault: 'pause', status: 'reverted', target: { name: backendA } });
    const during = run.probes.find((probe) => probe.phase === 'during')!;
    expect(during.samples).toBeGreaterThan(5);
    expect(during.failures).toBe(0);

    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(/<testsuites[^>]* failures="0"/);
    expect((await inspectState(backendA)).paused).toBe(false);
  });

  it('fails the fragile twin: exit 1, a failure that says what was expected and what was seen', async () => {
    const junit = path.join(dir, 'out/fragile.xml');
    const result = await faultline([
      'run',
      path.join(dir, 'fragile-checkout-backend-pause.yaml'),
      '--report',
      `junit=${junit}`,
    ]);
    expect(result.all).toContain('DEVIATED');
    expect(result.exitCode).toBe(1);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(/<failure message="[^"]*expected 200, saw no answer within 2s/);
    expect((await inspectState(backendA)).paused).toBe(false);
  });

  it('runs a folder one file after another with one summary and the worst exit code', async () => {
    const json = path.join(dir, 'out/all.json');
    const result = await faultline(['run', dir, '--report', `json=${json}`, '--seed', '7']);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('Summary');
    const session = await readSession(json);
    // Every bundled experiment against the fragile gateway deviates; every other one passes.
    const outcomes = session.runs.map((run) => [path.basename(run.file), run.outcome]);
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
    for (const [file, outcome] of outcomes) {
      expect([file, outcome]).toEqual([file, file!.startsWith('fragile-') ? 'deviated' : 'passed']);
    }
    expect(session.runs.every((run) => run.seed === 7)).toBe(true);
    expect(session.exitCode).toBe(1);
  });

  it('rejects a malformed file with exit 2 and file:line:column, touching nothing', async () => {
    const before = await stackState();
    const file = await writeExperiment(
      dir,
      'typo.yaml',
      [
        'title: typo',
        'hypothesis:',
        '  - name: up',
        '    http: { url: "http://127.0.0.1:1/" }',
        'method:',
        '  - pause:',
        '      target: { servce: backend-a }',
        '',
      ].join('\n'),
    );
    const result = await faultline(['run', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${file}:7:17 method[0].pause.target.servce: unknown key "servce"`);
    expect(await stackState()).toBe(before);
  });

  it('ends with exit 3 before injecting anything when a target does not exist', async () => {
    const before = await stackState();
    const file = await writeExperiment(
      dir,
      'missing.yaml',
      [
        'title: missing target',
        `scope: { compose: ${E2E_STACK.project} }`,
        'hypothesis:',
        `  - name: checkout`,
        `    http: { url: "http://127.0.0.1:${E2E_STACK.port}/checkout" }`,
        'method:',
        '  - pause: { target: { service: backend-a }, duration: 1s }',
        '  - kill: { target: { service: no-such-service } }',
        '',
      ].join('\n'),
    );
    const json = path.join(dir, 'out/missing.json');
    const result = await faultline(['run', file, '--report', `json=${json}`]);
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain(`no container matches service ${E2E_STACK.project}/no-such-service`);
    const run = (await readSession(json)).runs[0]!;
    expect(run.outcome).toBe('errored');
    expect(run.faults).toEqual([]);
    expect(await stackState()).toBe(before);
  });

  it('reports a baseline that is not met as an error (exit 3), not as fragility, and injects nothing', async () => {
    const file = await writeExperiment(
      dir,
      'baseline.yaml',
      [
        'title: baseline not met',
        `scope: { compose: ${E2E_STACK.project} }`,
        'hypothesis:',
        '  - name: a page that does not exist',
        `    http: { url: "http://127.0.0.1:${E2E_STACK.port}/nope" }`,
        'method:',
        '  - pause: { target: { service: backend-a }, duration: 1s }',
        '',
      ].join('\n'),
    );
    const result = await faultline(['run', file]);
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain('baseline not met, nothing was injected');
    expect(result.all).not.toContain('inject ');
  });

  it('reports an unreachable Docker Engine as an error (exit 3) with a hint', async () => {
    const result = await faultline(['run', path.join(dir, 'checkout-survives-backend-pause.yaml')], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain('cannot reach the Docker Engine at unix:///nonexistent/docker.sock');
  });

  it('plan prints targets and Docker actions and leaves Docker exactly as it was', async () => {
    const before = await stackState();
    const result = await faultline([
      'plan',
      path.join(dir, 'checkout-survives-backend-pause.yaml'),
      '--seed',
      '3',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`docker pause ${backendA}`);
    expect(result.stdout).toContain(`revert: docker unpause ${backendA}`);
    expect(await stackState()).toBe(before);
  });

  it('on Ctrl-C reverts every fault, writes the reports and exits 130', async () => {
    const file = await writeExperiment(
      dir,
      'long.yaml',
      [
        'title: long pause',
        `scope: { compose: ${E2E_STACK.project} }`,
        'hypothesis:',
        '  - name: checkout',
        `    http: { url: "http://127.0.0.1:${E2E_STACK.port}/checkout" }`,
        'method:',
        '  - pause: { target: { service: backend-a }, duration: 60s }',
        '',
      ].join('\n'),
    );
    const json = path.join(dir, 'out/interrupted.json');
    const child = faultline(['run', file, '--report', `json=${json}`]);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the fault was never injected')), 20_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('paused')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect((await inspectState(backendA)).paused).toBe(true);
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    expect((await inspectState(backendA)).paused).toBe(false);
    const run = (await readSession(json)).runs[0]!;
    expect(run.outcome).toBe('interrupted');
    expect(run.faults[0]).toMatchObject({ status: 'reverted' });
  });
});

describe('faultline validate and schema', () => {
  it('validate accepts the bundled experiments and rejects a bad one with exit 2', async () => {
    expect((await faultline(['validate', 'experiments'])).exitCode).toBe(0);
    const bad = await writeExperiment(
      await tempDir(),
      'bad.yaml',
      'title: x\nhypothesis: []\nmethod:\n  - wait: 5x\n',
    );
    const result = await faultline(['validate', bad]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${bad}:2:13 hypothesis: expected at least one probe`);
    expect(result.stderr).toContain(`${bad}:4:11 method[0].wait: expected a duration such as 500ms`);
  });

  it('the committed faultline.schema.json is what `faultline schema` prints', async () => {
    const result = await faultline(['schema']);
    expect(result.exitCode).toBe(0);
    const committed = await readFile(path.join(REPO, 'faultline.schema.json'), 'utf8');
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(committed));
  });

  it('--version answers with the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const result = await faultline(['--version']);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    const result = await faultline(['run', '--nope', 'x.yaml']);
    expect(result.exitCode).toBe(2);
    const out = await tempDir();
    await writeFile(path.join(out, 'empty.yaml'), '');
    expect((await faultline(['validate', path.join(out, 'empty.yaml')])).exitCode).toBe(2);
  });
});
