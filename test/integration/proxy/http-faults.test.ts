import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { DockerPlatform } from '../../../src/platform/docker/docker-platform.js';
import { faultline, tempDir } from '../../support/cli.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { injectAll, NetworkLab, planInjections, revertAll } from '../../support/network.js';
import { firstByteMs as firstByteAt, HttpClient, median } from './http-client.js';

/**
 * Application-level faults through the fault proxy, on a real container: the proxy runs in the
 * target's network namespace (nsenter) and nat rules steer the target's port 8080 to it. Requests
 * come from the host over keep-alive connections, so each request, not each connection, is faulted.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('proxy'));
const context = new NetworkContext(new NsenterRunner(client));
/**
 * Each phase of a test opens its connections afresh (see HttpClient), so what it measures does not
 * depend on the fault resetting connections opened before it (existing-connections.test.ts proves that).
 */
const requests = new HttpClient(() => lab.get('api').ip);
const resetAgent = () => requests.reset();
const many = (path: string, count: number) => requests.many(path, count);
let baseline: Awaited<ReturnType<NetworkLab['states']>>;
let run = 0;

/** Host processes whose command line names this lab's proxies. */
function proxiesOnHost(): string[] {
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes('faultline-proxy') && line.includes('proxy/main.js'));
}

async function inject(step: string) {
  resetAgent();
  const injections = await planInjections(client, lab.experiment(step), `px${String(++run)}`);
  return injectAll(context, injections, new DockerPlatform(client));
}

/** Statuses of `count` GETs that container `from` makes to `to`:8080 over one keep-alive connection. */
async function callsFrom(from: string, to: string, count: number): Promise<number[]> {
  const script = `
    const http = require('http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const statuses = [];
    const one = () => new Promise((resolve) => {
      http.get({ host: process.argv[1], port: 8080, path: '/x', agent }, (res) => {
        res.resume(); res.on('end', () => resolve(res.statusCode));
      }).on('error', (error) => resolve(error.code));
    });
    (async () => { for (let i = 0; i < ${count}; i++) statuses.push(await one()); console.log(JSON.stringify(statuses)); agent.destroy(); })();`;
  return JSON.parse(
    await docker('exec', lab.get(from).name, 'node', '-e', script, lab.get(to).ip),
  ) as number[];
}

const firstByteMs = (port: number) => firstByteAt(lab.get('api').ip, port);

beforeAll(async () => {
  await lab.start([{ service: 'api' }, { service: 'web' }]);
  await lab.createFilterTables();
  baseline = await lab.states();
});

afterAll(async () => {
  requests.destroy();
  await context.dispose();
  await lab.remove();
});

describe('HTTP faults through the proxy on a real container', () => {
  it('aborts 30% of the requests to one route with 503, leaves other routes alone, and reverts to nothing', async () => {
    const faults = await inject(
      '  - http-abort: { target: { service: api }, port: 8080, status: 503, percent: 30%, match: { path: /item } }',
    );
    const outcomes: string[] = [];
    try {
      const item = await many('/item', 600);
      const aborted = item.filter((result) => result.status === 503).length;
      const share = aborted / item.length;
      // 600 draws at p = 0.3: the standard deviation is 1.9%; 4 of them either side.
      console.log(
        `[proxy] http-abort: ${aborted} of ${item.length} answered 503 (${(share * 100).toFixed(1)}%)`,
      );
      expect(share).toBeGreaterThan(0.3 - 0.075);
      expect(share).toBeLessThan(0.3 + 0.075);
      expect(
        item.every((result) => result.status === 503 || (result.status === 200 && result.body === 'ok')),
      ).toBe(true);
      const health = await many('/health', 100);
      expect(health.filter((result) => result.status !== 200)).toEqual([]);
      for (const fault of faults) outcomes.push((await fault.revert()).status);
    } finally {
      await revertAll(faults, []);
    }
    expect(outcomes).toEqual(['reverted']);
    resetAgent();
    const after = await many('/item', 100);
    expect(after.filter((result) => result.status !== 200)).toEqual([]);
    expect(await lab.states()).toEqual(baseline);
    expect(proxiesOnHost()).toEqual([]);
  });

  it('delays the requests of one route by the asked latency (p50 within 5 ms), the others not', async () => {
    const before = median((await many('/item', 100)).map((result) => result.ms));
    const faults = await inject(
      '  - http-delay: { target: { service: api }, port: 8080, latency: 100ms, match: { path: /item } }',
    );
    try {
      const delayed = median((await many('/item', 100)).map((result) => result.ms));
      const other = median((await many('/health', 100)).map((result) => result.ms));
      console.log(
        `[proxy] http-delay 100ms: /item p50 ${delayed.toFixed(2)} ms (was ${before.toFixed(2)}), /health p50 ${other.toFixed(2)} ms`,
      );
      expect(Math.abs(delayed - before - 100)).toBeLessThan(5);
      expect(other).toBeLessThan(before + 20);
    } finally {
      await revertAll(faults, []);
    }
    resetAgent();
    expect(await lab.states()).toEqual(baseline);
    expect(proxiesOnHost()).toEqual([]);
  });

  it('a tcp-latency toxic delays every answer on the port, and reverts to nothing', async () => {
    const before = median((await many('/health', 60)).map((result) => result.ms));
    const faults = await inject('  - tcp-latency: { target: { service: api }, port: 8080, latency: 50ms }');
    try {
      const delayed = median((await many('/health', 60)).map((result) => result.ms));
      console.log(`[proxy] tcp-latency 50ms: p50 ${delayed.toFixed(2)} ms (was ${before.toFixed(2)})`);
      expect(delayed - before).toBeGreaterThan(45);
      expect(delayed - before).toBeLessThan(80);
    } finally {
      await revertAll(faults, []);
    }
    expect(await lab.states()).toEqual(baseline);
    expect(proxiesOnHost()).toEqual([]);
  });

  it('an outbound abort: what web sends to api on 8080 answers 503, what api answers others is untouched', async () => {
    const faults = await inject(
      '  - http-abort: { target: { service: web }, to: { service: api }, ports: 8080, status: 503 }',
    );
    try {
      const fromWeb = await callsFrom('web', 'api', 50);
      console.log(`[proxy] outbound http-abort: web -> api statuses ${[...new Set(fromWeb)].join(', ')}`);
      expect(fromWeb).toEqual(Array.from({ length: 50 }, () => 503));
      const fromHost = await many('/x', 40);
      expect(fromHost.filter((result) => result.status !== 200)).toEqual([]);
    } finally {
      await revertAll(faults, []);
    }
    expect(await callsFrom('web', 'api', 10)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(await lab.states()).toEqual(baseline);
    expect(proxiesOnHost()).toEqual([]);
  });

  it('a tcp-latency toxic on a server that speaks first (not HTTP) delays its greeting', async () => {
    // Before and during are measured alike, one connection at a time: ten at once would inflate the
    // baseline on a busy host and make the added delay look shorter than it is.
    const sequential = async () => {
      const samples: number[] = [];
      for (let index = 0; index < 10; index++) samples.push(await firstByteMs(9090));
      return median(samples);
    };
    const before = await sequential();
    const faults = await inject('  - tcp-latency: { target: { service: api }, port: 9090, latency: 100ms }');
    try {
      const delayed = await sequential();
      console.log(
        `[proxy] tcp-latency 100ms on a greeting: p50 ${delayed.toFixed(2)} ms (was ${before.toFixed(2)})`,
      );
      expect(delayed - before).toBeGreaterThan(95);
      expect(delayed - before).toBeLessThan(130);
    } finally {
      await revertAll(faults, []);
    }
    expect(await lab.states()).toEqual(baseline);
    expect(proxiesOnHost()).toEqual([]);
  });

  it('an HTTP fault on a port that is not HTTP ends the run errored (exit 3), naming what it saw, and leaves nothing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'not-http.yaml');
    const report = path.join(dir, 'report.json');
    // The probe reads the greeting of the server on 9090 (which speaks first): it passes before,
    // during and after, so only the fault's own report can tell that the delay never applied.
    const greet = `require('net').connect(9090, process.argv[1]).once('data', () => process.exit(0)).on('error', () => process.exit(1))`;
    const experiment = [
      'title: an http fault on a database-like port',
      `scope: { compose: ${lab.prefix} }`,
      'hypothesis:',
      '  - name: greeting',
      `    command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(greet)}, "${lab.get('api').ip}"]`,
      '    timeout: 2s',
      'method:',
      '  - http-delay: { target: { service: api }, port: 9090, latency: 50ms, duration: 2s }',
      '  - wait: 1s',
    ].join('\n');
    await writeFile(file, `${experiment}\n`);
    const result = await faultline(['run', file, '--report', `json=${report}`]);
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toMatch(/http-delay on .*did not act as asked/);
    expect(result.all).toMatch(/the server spoke first/);
    const session = JSON.parse(await readFile(report, 'utf8')) as {
      runs: { outcome: string; faults: { status: string; problem?: string }[] }[];
    };
    expect(session.runs[0]!.outcome).toBe('errored');
    expect(session.runs[0]!.faults[0]!.status).toBe('reverted');
    expect(session.runs[0]!.faults[0]!.problem).toMatch(
      /^traffic to [\d.]+:9090 is not plaintext HTTP\/1\.x \(first bytes "hi\\x0a"/,
    );
    expect(await lab.states()).toEqual(baseline);
    expect(proxiesOnHost()).toEqual([]);
  });
});
