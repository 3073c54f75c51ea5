import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { resetExisting } from '../../../src/faults/proxy/existing.js';
import type { ProxyPlan } from '../../../src/faults/proxy/family.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { DockerPlatform } from '../../../src/platform/docker/docker-platform.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { injectAll, NetworkLab, planInjections, revertAll } from '../../support/network.js';

/**
 * nat steers new connections only. A client with a keep-alive pool (one connection, opened before the
 * fault) shows whether a proxy fault reaches connections that already existed: by default they are
 * reset when the fault starts, and the client's next requests reconnect through the proxy.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('pxold'));
const context = new NetworkContext(new NsenterRunner(client));
let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let run = 0;

interface Answer {
  status: number | string;
  localPort: number | undefined;
}

/** One GET over the pool; an error is its code (what a client in flight would see). */
function get(path: string): Promise<Answer> {
  return new Promise((resolve) => {
    const request = http.get({ host: lab.get('api').ip, port: 8080, path, agent, timeout: 5000 }, (res) => {
      const localPort = res.socket.localPort;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, localPort }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: error.code ?? error.message, localPort: undefined }),
    );
  });
}

async function series(path: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let index = 0; index < count; index++) answers.push(await get(path));
  return answers;
}

/**
 * Statuses of GETs that container `from` makes to api:8080 every 100 ms for `ms`, over one keep-alive
 * connection opened at the start (an error is its code).
 */
function pooledCallsFrom(from: string, ms: number): Promise<string> {
  const script = `
    const http = require('http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const statuses = [];
    const one = () => new Promise((resolve) => {
      http.get({ host: process.argv[1], port: 8080, path: '/x', agent }, (res) => {
        res.resume(); res.on('end', () => resolve(res.statusCode));
      }).on('error', (error) => resolve(error.code));
    });
    const end = Date.now() + ${ms};
    (async () => {
      while (Date.now() < end) { statuses.push(await one()); await new Promise((r) => setTimeout(r, 100)); }
      console.log(JSON.stringify(statuses)); agent.destroy();
    })();`;
  return docker('exec', lab.get(from).name, 'node', '-e', script, lab.get('api').ip);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

async function inject(step: string) {
  const injections = await planInjections(client, lab.experiment(step), `po${String(++run)}`);
  const faults = await injectAll(context, injections, new DockerPlatform(client));
  return { injections, faults };
}

beforeAll(async () => {
  await lab.start([{ service: 'api' }, { service: 'web' }]);
});

afterAll(async () => {
  agent.destroy();
  await context.dispose();
  await lab.remove();
});

describe('proxy faults and connections opened before them', () => {
  it('resets a pooled keep-alive connection, so the next requests get the fault', async () => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const [before] = await series('/item', 1);
    expect(before!.status).toBe(200);
    const { faults } = await inject(
      '  - http-abort: { target: { service: api }, port: 8080, status: 503, match: { path: /item } }',
    );
    try {
      expect(faults[0]!.detail).toContain('reset 1 connection opened before the fault');
      expect(faults[0]!.warnings).toEqual([]);
      await settle();
      const during = await series('/item', 5);
      console.log(`[proxy] after the reset: ${during.map((answer) => answer.status).join(', ')}`);
      expect(during.map((answer) => answer.status)).toEqual([503, 503, 503, 503, 503]);
      expect(during[0]!.localPort).not.toBe(before!.localPort);
    } finally {
      await revertAll(faults, []);
      agent.destroy();
    }
  });

  it('with existing: keep, the connection opened before the fault goes on directly', async () => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const [before] = await series('/item', 1);
    const { faults } = await inject(
      '  - http-abort: { target: { service: api }, port: 8080, status: 503, existing: keep }',
    );
    try {
      expect(faults[0]!.detail).toContain('connections opened before the fault kept');
      await settle();
      const during = await series('/item', 5);
      expect(during.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(during.every((answer) => answer.localPort === before!.localPort)).toBe(true);
    } finally {
      await revertAll(faults, []);
      agent.destroy();
    }
  });

  it("spares the proxy's own connections: requests through the proxy go on while a reset runs", async () => {
    const { injections, faults } = await inject(
      '  - http-abort: { target: { service: api }, port: 8080, status: 503, match: { path: /item } }',
    );
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const through = await series('/health', 3);
      expect(through.map((answer) => answer.status)).toEqual([200, 200, 200]);
      // The client's connection to the proxy and the proxy's connection to the service are both open.
      const plan = injections[0]!.fault as ProxyPlan;
      const again = await resetExisting(context.runner, injections[0]!.target, plan.config, 'reset');
      expect(again).toEqual({ detail: 'no connection opened before the fault', warnings: [] });
      await settle();
      const after = await series('/health', 5);
      expect(after.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(after.every((answer) => answer.localPort === through[0]!.localPort)).toBe(true);
      expect((await series('/item', 1))[0]!.status).toBe(503);
    } finally {
      await revertAll(faults, []);
      agent.destroy();
    }
  });

  it('outbound: resets what the target sends its peer over a pooled connection, so its next calls get the fault', async () => {
    const calls = pooledCallsFrom('web', 4000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { faults } = await inject(
      '  - http-abort: { target: { service: web }, to: { service: api }, ports: 8080, status: 503 }',
    );
    let statuses: (number | string)[];
    try {
      expect(faults[0]!.detail).toContain('reset 1 connection opened before the fault');
      statuses = JSON.parse(await calls) as (number | string)[];
    } finally {
      await revertAll(faults, []);
    }
    console.log(`[proxy] web -> api over one pooled connection: ${statuses.join(' ')}`);
    expect(statuses[0]).toBe(200);
    // After the reset the pool reconnects, through the proxy: the last calls are all faulted.
    expect(statuses.slice(-5)).toEqual([503, 503, 503, 503, 503]);
    const changes = statuses.filter((status, index) => index > 0 && status !== statuses[index - 1]);
    expect(changes.filter((status) => status === 200)).toEqual([]);
  });
});
