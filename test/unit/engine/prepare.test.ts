import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerUnavailableError } from '../../../src/docker/engine-errors.js';
import { runExperiment } from '../../../src/engine/run-experiment.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { FakeDocker } from '../support/fake-docker.js';

/** An Engine whose ping answers only when told to, and that remembers what was asked meanwhile. */
class SlowPingDocker extends FakeDocker {
  answerPing: () => void = () => {};
  askedBeforePingAnswered: string[] = [];
  private pinging = false;

  override async ping(): Promise<{ apiVersion: string; version: string }> {
    this.pinging = true;
    await new Promise<void>((resolve) => {
      this.answerPing = resolve;
    });
    this.pinging = false;
    return super.ping();
  }

  override async listContainers(options: { all?: boolean } = {}) {
    if (this.pinging) this.askedBeforePingAnswered.push('listContainers');
    return super.listContainers(options);
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-prepare-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const YAML = `title: t
hypothesis:
  - name: always true
    command: ["true"]
method:
  - pause: { target: { name: web-1 }, duration: 10ms }
`;

function run(docker: FakeDocker) {
  return runExperiment(parseExperiment(YAML, path.join(dir, 'experiment.yaml'), {}), {
    docker,
    reporter: { name: 'test' },
    seed: 1,
    signal: new AbortController().signal,
  });
}

describe('resolving the targets', () => {
  it('looks the targets up while the ping is on its way, and runs once it answers', async () => {
    const docker = new SlowPingDocker([{ name: 'web-1' }]);
    const result = run(docker);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(docker.askedBeforePingAnswered).toEqual(['listContainers']);
    expect(docker.callsTo('pause')).toEqual([]);
    docker.answerPing();
    expect((await result).outcome).toBe('passed');
  });

  it('ends with exit 3 when a target is missing, found while the ping is still on its way', async () => {
    const docker = new SlowPingDocker([{ name: 'other' }]);
    let unhandled: unknown;
    const onUnhandled = (reason: unknown) => {
      unhandled = reason;
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const result = run(docker);
      await new Promise((resolve) => setTimeout(resolve, 50));
      docker.answerPing();
      expect(await result).toMatchObject({ exitCode: 3, outcome: 'errored' });
      expect((await result).summary).toContain('no container matches name web-1');
      expect(unhandled).toBeUndefined();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('tells an unreachable Docker by the ping, whatever the lookup ran into', async () => {
    const docker = new FakeDocker([{ name: 'web-1' }]);
    docker.failOn('ping', undefined, {
      error: () => new DockerUnavailableError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
    });
    docker.failOn('listContainers', undefined, { error: () => new Error('the lookup failed') });
    const result = await run(docker);
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain('connection refused');
    expect(result.summary).not.toContain('the lookup failed');
  });
});
