import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { createDockerClient } from '../../src/docker/dockerode-client.js';
import type { ProxyPlan } from '../../src/faults/proxy/family.js';
import { NsenterRunner } from '../../src/network/netns-runner.js';
import { NetworkContext } from '../../src/network/network-fault.js';
import { DockerPlatform } from '../../src/platform/docker/docker-platform.js';
import { injectAll, planInjections, revertAll } from './network.js';
import { type ProxyLab, proxiesOnHost, type TargetState } from './proxy-lab.js';
import { freshStateDir, startFaultline } from './safety.js';

/**
 * Proxy faults held around a test body, the way the existing proxy tests hold them: planned from an
 * experiment by the engine, injected and reverted through the proxy family. After the revert, every
 * lab container's iptables and process list must equal the baseline, and no proxy of the run may be
 * left on the host.
 */
export class ProxyFaults {
  readonly client = createDockerClient();
  readonly context = new NetworkContext(new NsenterRunner(this.client));
  private readonly run = randomBytes(3).toString('hex');
  private count = 0;
  baseline: Record<string, TargetState> = {};

  constructor(private readonly lab: ProxyLab) {}

  async captureBaseline(): Promise<void> {
    this.baseline = await this.lab.states();
  }

  async hold(steps: string[], body: (plans: ProxyPlan[]) => Promise<void>): Promise<void> {
    const runId = `${this.run}${++this.count}`;
    const injections = await planInjections(this.client, this.lab.experiment(steps), runId);
    const faults = await injectAll(this.context, injections, new DockerPlatform(this.client));
    const statuses: string[] = [];
    try {
      expect(proxiesOnHost(runId)).toHaveLength(faults.length);
      await body(injections.map((injection) => injection.fault as ProxyPlan));
    } finally {
      await revertAll(faults, statuses);
    }
    expect(statuses).toEqual(faults.map(() => 'reverted'));
    await this.expectClean(runId);
  }

  async expectClean(runId: string): Promise<void> {
    expect(await this.lab.states()).toEqual(this.baseline);
    expect(proxiesOnHost(runId)).toEqual([]);
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
  }
}

/** `faultline run --via nsenter` of an experiment on the lab, with a JSON report, watched line by line. */
export async function startRun(lab: ProxyLab, method: string[]) {
  const file = await lab.experimentFile(method);
  const reportFile = path.join(path.dirname(file), 'report.json');
  const run = startFaultline(
    ['run', file, '--via', 'nsenter', '--progress', 'plain', '--report', `json=${reportFile}`],
    await freshStateDir(),
  );
  const report = async () =>
    JSON.parse(await readFile(reportFile, 'utf8')) as {
      runs: { outcome: string; faults: { fault: string; status: string; detail: string }[] }[];
    };
  return { run, report };
}
