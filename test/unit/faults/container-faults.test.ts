import { describe, expect, it, vi } from 'vitest';
import { DockerApiError } from '../../../src/docker/client.js';
import { describeContainerFault, injectContainerFault } from '../../../src/faults/container/lifecycle.js';
import { REVERT_RETRY } from '../../../src/faults/retry.js';
import type { Target } from '../../../src/targets/target.js';
import { FakeDocker } from '../support/fake-docker.js';

vi.mock('../../../src/faults/retry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/faults/retry.js')>();
  return {
    ...original,
    withRetry: <T>(operation: () => Promise<T>) =>
      original.withRetry(operation, { ...original.REVERT_RETRY, baseMs: 2, maxMs: 5 }),
  };
});

function setup(): { docker: FakeDocker; target: Target } {
  const docker = new FakeDocker([{ name: 'shop-api-1', id: 'a1b2c3d4e5f6' }]);
  return { docker, target: { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api', project: 'shop' } };
}

describe('injectContainerFault', () => {
  it('pauses, and unpauses on revert', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1');
    expect(docker.stateOf('shop-api-1')).toBe('paused');
    expect(fault).toMatchObject({
      id: 'pause-1',
      kind: 'pause',
      target,
      detail: 'paused',
      remedy: 'docker unpause shop-api-1',
    });
    expect(fault.injectedAt).toBeInstanceOf(Date);
    expect(await fault.revert()).toEqual({ status: 'reverted', detail: 'unpaused' });
    expect(docker.stateOf('shop-api-1')).toBe('running');
  });

  it('reverts once: later calls share the first outcome and call Docker no more', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1');
    const [first, second] = await Promise.all([fault.revert(), fault.revert()]);
    expect(await fault.revert()).toBe(first);
    expect(second).toBe(first);
    expect(docker.callsTo('unpause')).toEqual(['shop-api-1']);
  });

  it('says already-reverted when someone unpaused the container first', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1');
    docker.setState('shop-api-1', 'running');
    expect(await fault.revert()).toEqual({ status: 'already-reverted', detail: 'not paused (running)' });
    expect(docker.callsTo('unpause')).toEqual([]);
  });

  it('kills with the signal asked for (SIGKILL by default), and starts the container on revert', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'kill', signal: 'TERM' }, target, 'kill-1');
    expect(docker.calls.find((call) => call.op === 'kill')!.args).toEqual(['SIGTERM']);
    expect(fault.detail).toBe('killed with SIGTERM');
    expect(fault.remedy).toBe('docker start shop-api-1');
    expect(docker.stateOf('shop-api-1')).toBe('exited');
    expect(await fault.revert()).toEqual({ status: 'reverted', detail: 'started' });
    expect(docker.stateOf('shop-api-1')).toBe('running');

    const again = await injectContainerFault(docker, { kind: 'kill' }, target, 'kill-2');
    expect(again.detail).toBe('killed with SIGKILL');
  });

  it('stops with the grace period in seconds (10s by default)', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'stop', graceMs: 2500 }, target, 'stop-1');
    expect(docker.calls.find((call) => call.op === 'stop')!.args).toEqual([3]);
    expect(fault.detail).toBe('stopped (grace 3s)');
    await fault.revert();
    await injectContainerFault(docker, { kind: 'stop' }, target, 'stop-2');
    expect(docker.calls.filter((call) => call.op === 'stop').at(-1)!.args).toEqual([10]);
  });

  it('does not start a container that is running again on its own', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'restart' }, target, 'restart-1');
    expect(await fault.revert()).toEqual({ status: 'already-reverted', detail: 'running' });
    expect(docker.callsTo('start')).toEqual([]);
  });

  it('reports a removed container as gone, without retrying', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1');
    await docker.remove('shop-api-1');
    expect(await fault.revert()).toEqual({
      status: 'target-gone',
      detail: 'the container was removed; nothing to revert',
    });
    expect(docker.callsTo('inspect')).toHaveLength(1);
  });

  it('retries a failing revert, then reports it failed with the error', async () => {
    const { docker, target } = setup();
    const fault = await injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1');
    docker.failOn('unpause', 'shop-api-1', { error: () => new DockerApiError('cgroup is frozen', 500) });
    expect(await fault.revert()).toEqual({ status: 'failed', detail: 'cgroup is frozen' });
    expect(docker.callsTo('unpause')).toHaveLength(REVERT_RETRY.attempts);
    expect(docker.stateOf('shop-api-1')).toBe('paused');
  });

  it('throws when Docker refuses the fault, leaving nothing to revert', async () => {
    const { docker, target } = setup();
    docker.setState('shop-api-1', 'exited');
    await expect(injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1')).rejects.toThrow(
      /is not running/,
    );
  });

  it('reverts when disposed, so `await using` cleans up on every exit path', async () => {
    const { docker, target } = setup();
    await expect(
      (async () => {
        await using _fault = await injectContainerFault(docker, { kind: 'pause' }, target, 'pause-1');
        expect(docker.stateOf('shop-api-1')).toBe('paused');
        throw new Error('the test body failed');
      })(),
    ).rejects.toThrow('the test body failed');
    expect(docker.stateOf('shop-api-1')).toBe('running');
  });
});

describe('describeContainerFault', () => {
  const target: Target = { id: 'x', name: 'shop-db-1' };
  it('writes the Docker command and its undo, as `plan` prints them', () => {
    expect(describeContainerFault({ kind: 'kill' }, target)).toEqual({
      action: 'docker kill --signal SIGKILL shop-db-1',
      revert: 'docker start shop-db-1 (if not running)',
    });
    expect(describeContainerFault({ kind: 'kill', signal: 'SIGHUP' }, target).action).toBe(
      'docker kill --signal SIGHUP shop-db-1',
    );
    expect(describeContainerFault({ kind: 'stop', graceMs: 30_000 }, target).action).toBe(
      'docker stop -t 30 shop-db-1',
    );
    expect(describeContainerFault({ kind: 'pause' }, target)).toEqual({
      action: 'docker pause shop-db-1',
      revert: 'docker unpause shop-db-1 (if paused)',
    });
    expect(describeContainerFault({ kind: 'restart', graceMs: 0 }, target).action).toBe(
      'docker restart -t 0 shop-db-1',
    );
  });
});
