import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { HelperRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { DockerPlatform } from '../../../src/platform/docker/docker-platform.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { injectAll, NetworkLab, planInjections, revertAll } from '../../support/network.js';
import {
  containersIn,
  firstByteMs,
  HttpClient,
  median,
  proxyHelperImage,
  removeImage,
} from './http-client.js';

/**
 * Proxy faults through the helper way, on a real container: the proxy runs in a helper container
 * (node and the proxy from the helper image) sharing the target's network namespace, and the nat
 * rules go in through the helper runner. No nsenter and no host process is involved: this is how proxy
 * faults work on Docker Desktop, colima, remote Engines and for non-root users.
 */
const client = createDockerClient();
const prefix = uniquePrefix('proxy-helper');
const lab = new NetworkLab(prefix);
const http = new HttpClient(() => lab.get('api').ip);
let image: string;
let context: NetworkContext;
let baseline: Awaited<ReturnType<NetworkLab['states']>>;
let run = 0;

async function inject(step: string) {
  http.reset();
  const runId = `hw${String(++run)}${prefix.slice(-4)}`;
  const injections = await planInjections(client, lab.experiment(step), runId);
  return { runId, faults: await injectAll(context, injections, new DockerPlatform(client)) };
}

beforeAll(async () => {
  image = await proxyHelperImage(prefix);
  context = new NetworkContext(new HelperRunner(client, image, `hw${prefix.slice(-6)}`));
  await lab.start([{ service: 'api' }]);
  await lab.createFilterTables();
  baseline = await lab.states();
});

afterAll(async () => {
  http.destroy();
  await context?.dispose();
  await lab.remove();
  if (image) await removeImage(image);
});

describe('proxy faults with --via helper on a real container', () => {
  it('aborts 30% of the requests to one route with 503 from a proxy container, and reverts to nothing', async () => {
    const { runId, faults } = await inject(
      '  - http-abort: { target: { service: api }, port: 8080, status: 503, percent: 30%, match: { path: /item } }',
    );
    const api = lab.get('api');
    const name = `faultline-proxy-${runId}-http-abort-1`;
    const outcomes: string[] = [];
    try {
      // The proxy is a container of its own in the target's namespace, labelled like every helper.
      const shown = await docker(
        'inspect',
        '--format',
        '{{.HostConfig.NetworkMode}} {{index .Config.Labels "org.faultline.helper"}} {{index .Config.Labels "org.faultline.run-id"}} {{index .Config.Labels "org.faultline.fault-id"}} {{.State.Status}}',
        name,
      );
      expect(shown).toBe(`container:${api.id} 1 ${runId} http-abort-1 running`);
      expect(await containersIn(api.id)).toContain(name);
      const item = await http.many('/item', 600);
      const aborted = item.filter((result) => result.status === 503).length;
      const share = aborted / item.length;
      console.log(
        `[proxy helper] http-abort: ${aborted} of ${item.length} answered 503 (${(share * 100).toFixed(1)}%)`,
      );
      // 600 draws at p = 0.3: the standard deviation is 1.9%; 4 of them either side.
      expect(share).toBeGreaterThan(0.3 - 0.075);
      expect(share).toBeLessThan(0.3 + 0.075);
      const health = await http.many('/health', 100);
      expect(health.filter((result) => result.status !== 200)).toEqual([]);
      for (const fault of faults) outcomes.push((await fault.revert()).status);
    } finally {
      await revertAll(faults, []);
    }
    expect(outcomes).toEqual(['reverted']);
    http.reset();
    const after = await http.many('/item', 100);
    expect(after.filter((result) => result.status !== 200)).toEqual([]);
    expect(await lab.states()).toEqual(baseline);
    // Only the runner's own helper (removed when the run ends) is left in the namespace.
    expect((await containersIn(api.id)).filter((found) => found.startsWith('faultline-proxy-'))).toEqual([]);
  });

  it('a tcp-latency toxic from a proxy container delays every answer on the port, and reverts to nothing', async () => {
    const before = median((await http.many('/health', 60)).map((result) => result.ms));
    const greetingBefore = median(
      await Promise.all(Array.from({ length: 10 }, () => firstByteMs(lab.get('api').ip, 9090))),
    );
    const { faults } = await inject(
      '  - tcp-latency: { target: { service: api }, port: [8080, 9090], latency: 50ms }',
    );
    try {
      const delayed = median((await http.many('/health', 60)).map((result) => result.ms));
      const samples: number[] = [];
      for (let index = 0; index < 10; index++) samples.push(await firstByteMs(lab.get('api').ip, 9090));
      const greeting = median(samples);
      console.log(
        `[proxy helper] tcp-latency 50ms: HTTP p50 ${delayed.toFixed(2)} ms (was ${before.toFixed(2)}), greeting p50 ${greeting.toFixed(2)} ms (was ${greetingBefore.toFixed(2)})`,
      );
      expect(delayed - before).toBeGreaterThan(45);
      expect(delayed - before).toBeLessThan(80);
      expect(greeting - greetingBefore).toBeGreaterThan(45);
      expect(greeting - greetingBefore).toBeLessThan(80);
    } finally {
      await revertAll(faults, []);
    }
    http.reset();
    const after = median((await http.many('/health', 60)).map((result) => result.ms));
    expect(after).toBeLessThan(before + 20);
    expect(await lab.states()).toEqual(baseline);
    expect(
      (await containersIn(lab.get('api').id)).filter((found) => found.startsWith('faultline-proxy-')),
    ).toEqual([]);
  });
});
