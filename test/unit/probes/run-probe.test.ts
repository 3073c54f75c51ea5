import { describe, expect, it } from 'vitest';
import { DockerApiError, type ExecResult } from '../../../src/docker/client.js';
import { DockerUnavailableError } from '../../../src/docker/engine-errors.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import type { ProbeSpec } from '../../../src/experiment/schema.js';
import { type ProbeEnvironment, probeKind, probePhases, runProbe } from '../../../src/probes/run-probe.js';
import type { Target } from '../../../src/targets/target.js';
import { FakeDocker } from '../support/fake-docker.js';

/** Parses one probe the way an experiment file would be parsed. */
function probe(yaml: string): ProbeSpec {
  const text = `title: t\nhypothesis:\n  - name: p\n${yaml.replace(/^/gm, '    ')}\nmethod:\n  - wait: 1s\n`;
  return parseExperiment(text, 'probe.yaml', {}).experiment.hypothesis[0]!;
}

const api1: Target = { id: 'id-api-1', name: 'shop-api-1', service: 'api' };
const api2: Target = { id: 'id-api-2', name: 'shop-api-2', service: 'api' };

function env(
  docker: FakeDocker,
  targets: Target[] = [api1],
  signal = new AbortController().signal,
): ProbeEnvironment {
  return { docker, cwd: process.cwd(), signal, targetsOf: () => targets };
}

function shop(exec?: (argv: readonly string[]) => ExecResult): FakeDocker {
  return new FakeDocker([
    { name: 'shop-api-1', id: 'id-api-1', ...(exec ? { exec } : {}) },
    { name: 'shop-api-2', id: 'id-api-2' },
  ]);
}

describe('runProbe', () => {
  it('passes and says what it saw', async () => {
    const sample = await runProbe(probe('container: { target: { service: api } }'), 'before', env(shop()));
    expect(sample).toMatchObject({
      probe: 'p',
      phase: 'before',
      status: 'pass',
      reason: 'state running',
      attempts: 1,
      checks: [{ name: 'state', expected: 'running', actual: 'running', ok: true }],
    });
    expect(sample.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('checks every target and names each one when there are several', async () => {
    const docker = shop();
    docker.setState('shop-api-2', 'paused');
    const sample = await runProbe(
      probe('container: { target: { service: api } }'),
      'during',
      env(docker, [api1, api2]),
    );
    expect(sample.status).toBe('fail');
    expect(sample.checks).toEqual([
      { name: 'shop-api-1: state', expected: 'running', actual: 'running', ok: true },
      { name: 'shop-api-2: state', expected: 'running', actual: 'paused', ok: false },
    ]);
    expect(sample.reason).toBe('shop-api-2: state: expected running, saw paused');
  });

  it('retries a miss, `interval` apart, and stops at the first pass', async () => {
    let calls = 0;
    const docker = shop(() => {
      calls++;
      return { exitCode: calls < 3 ? 1 : 0, stdout: '', stderr: calls < 3 ? 'not yet' : '', timedOut: false };
    });
    const spec = probe(
      'exec: { target: { name: shop-api-1 }, command: [ready] }\nretries: 5\ninterval: 10ms',
    );
    const sample = await runProbe(spec, 'after', env(docker));
    expect(sample.status).toBe('pass');
    expect(sample.attempts).toBe(3);
    expect(calls).toBe(3);
  });

  it('fails after 1 + retries attempts, with the last miss as the reason', async () => {
    const docker = shop(() => ({ exitCode: 7, stdout: '', stderr: 'refused', timedOut: false }));
    const spec = probe('exec: { target: { name: shop-api-1 }, command: [ready] }\nretries: 2\ninterval: 5ms');
    const sample = await runProbe(spec, 'before', env(docker));
    expect(sample).toMatchObject({
      status: 'fail',
      attempts: 3,
      reason: 'exit code: expected 0, saw 7 (stderr: refused)',
    });
    expect(docker.callsTo('exec')).toHaveLength(3);
  });

  it('counts a paused or stopped container as a failed expectation, not a tool error', async () => {
    const docker = shop();
    docker.setState('shop-api-1', 'paused');
    const spec = probe('exec: { target: { name: shop-api-1 }, command: [ready] }');
    const paused = await runProbe(spec, 'during', env(docker));
    expect(paused.status).toBe('fail');
    expect(paused.reason).toBe(
      'exit code: expected 0, saw shop-api-1: Container id-api-1 is paused, unpause the container before exec',
    );
    docker.setState('shop-api-1', 'exited');
    expect((await runProbe(spec, 'during', env(docker))).reason).toBe(
      'exit code: expected 0, saw shop-api-1: Container id-api-1 is not running',
    );
  });

  it('counts a removed container as a failed expectation', async () => {
    const docker = shop();
    await docker.remove('shop-api-1');
    const sample = await runProbe(probe('container: { target: { name: shop-api-1 } }'), 'after', env(docker));
    expect(sample).toMatchObject({
      status: 'fail',
      reason: 'state: expected running, saw container shop-api-1 no longer exists',
    });
  });

  it('is an error (never a pass nor a deviation) when Docker cannot be reached', async () => {
    const docker = shop();
    const down = () => new DockerUnavailableError(Object.assign(new Error('x'), { code: 'ENOENT' }));
    docker.failOn('inspect', undefined, { error: down });
    const sample = await runProbe(
      probe('container: { target: { name: shop-api-1 } }\nretries: 3\ninterval: 5ms'),
      'before',
      env(docker),
    );
    expect(sample.status).toBe('error');
    expect(sample.reason).toMatch(
      /^probe could not run: cannot reach the Docker Engine at .*: the socket does not exist$/,
    );
  });

  it('is an error when the Engine refuses for another reason', async () => {
    const docker = shop();
    docker.failOn('exec', 'shop-api-1', { error: () => new DockerApiError('OCI runtime exec failed', 500) });
    const sample = await runProbe(
      probe('exec: { target: { name: shop-api-1 }, command: [ready] }'),
      'before',
      env(docker),
    );
    expect(sample).toMatchObject({
      status: 'error',
      reason: 'probe could not run: shop-api-1: OCI runtime exec failed',
    });
  });

  it('runs host commands, and reports a missing program as an error', async () => {
    const ok = await runProbe(
      probe('command: [node, -e, "process.stdout.write(\'up\')"]\nexpect: { stdout: { equals: up } }'),
      'before',
      env(shop()),
    );
    expect(ok.status).toBe('pass');
    const missing = await runProbe(probe('command: [faultline-no-such-program-4711]'), 'before', env(shop()));
    expect(missing).toMatchObject({
      status: 'error',
      reason: 'probe could not run: cannot run faultline-no-such-program-4711: no such program',
    });
  });

  it('fails a host command that outlives its timeout', async () => {
    const started = performance.now();
    const sample = await runProbe(
      probe('command: [node, -e, "setTimeout(() => {}, 5000)"]\ntimeout: 200ms'),
      'during',
      env(shop()),
    );
    expect(sample).toMatchObject({
      status: 'fail',
      reason: 'exit code: expected 0, saw node did not finish within 200ms',
    });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('stops retrying when the run is aborted', async () => {
    const docker = shop(() => ({ exitCode: 1, stdout: '', stderr: '', timedOut: false }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = performance.now();
    const spec = probe(
      'exec: { target: { name: shop-api-1 }, command: [ready] }\nretries: 50\ninterval: 20ms',
    );
    const sample = await runProbe(spec, 'after', env(docker, [api1], controller.signal));
    expect(sample.attempts).toBeLessThan(10);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('probeKind and probePhases', () => {
  it('names the kind and the phases a probe runs in (all three by default)', () => {
    expect(probeKind(probe('tcp: { host: db, port: 5432 }'))).toBe('tcp');
    expect(probeKind(probe('http: { url: "http://x/" }'))).toBe('http');
    expect(probePhases(probe('command: [x]'))).toEqual(['before', 'during', 'after']);
    expect(probePhases(probe('command: [x]\nwhen: [during]'))).toEqual(['during']);
  });
});
