import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/docker/dockerode-client.js';
import { injectContainerFault } from '../../src/faults/container/lifecycle.js';
import type { Target } from '../../src/targets/target.js';
import {
  removeTestContainers,
  startContainers,
  type TestContainer,
  uniquePrefix,
  waitFor,
} from '../support/containers.js';
import { docker, inspectState } from '../support/docker-cli.js';

const client = createDockerClient();
const prefix = uniquePrefix('faults');
let containers: TestContainer[] = [];
const target = (index: number): Target => ({ id: containers[index]!.id, name: containers[index]!.name });

beforeAll(async () => {
  containers = await startContainers(prefix, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
});
afterAll(async () => {
  await removeTestContainers(prefix);
});

describe('container faults against a real Docker Engine', () => {
  it('pause freezes the container and revert unpauses it, once', async () => {
    const fault = await injectContainerFault(client, { kind: 'pause' }, target(0), 'pause-1');
    expect((await inspectState(containers[0]!.name)).paused).toBe(true);
    expect(await fault.revert()).toEqual({ status: 'reverted', detail: 'unpaused' });
    const after = await inspectState(containers[0]!.name);
    expect(after).toMatchObject({ paused: false, running: true });
    // Idempotent: a second revert neither fails nor does anything again.
    expect(await fault.revert()).toEqual({ status: 'reverted', detail: 'unpaused' });
  });

  it('kill with SIGKILL stops the process; revert starts it again', async () => {
    const before = await inspectState(containers[1]!.name);
    const fault = await injectContainerFault(
      client,
      { kind: 'kill', signal: 'SIGKILL' },
      target(1),
      'kill-1',
    );
    const killed = await inspectState(containers[1]!.name);
    expect(killed.running).toBe(false);
    expect(killed.status).toBe('exited');
    expect(fault.detail).toBe('killed with SIGKILL');
    expect((await fault.revert()).status).toBe('reverted');
    const after = await inspectState(containers[1]!.name);
    expect(after.running).toBe(true);
    expect(after.startedAt).not.toBe(before.startedAt);
  });

  it('kill with a catchable signal returns once the container has exited, so the revert restarts it', async () => {
    const [fresh] = await startContainers(prefix, [{ name: 'sigterm' }]);
    // The fixture exits on SIGTERM once its handler is installed (it logs "listening" after that).
    await waitFor('the backend to listen', async () =>
      (await docker('logs', fresh!.name)).includes('listening'),
    );
    const victim = { id: fresh!.id, name: fresh!.name };
    const fault = await injectContainerFault(client, { kind: 'kill', signal: 'SIGTERM' }, victim, 'kill-2');
    expect((await inspectState(fresh!.name)).running).toBe(false);
    expect(fault.detail).toBe('killed with SIGTERM');
    expect((await fault.revert()).status).toBe('reverted');
    expect((await inspectState(fresh!.name)).running).toBe(true);
  });

  it('stop with a grace period exits the container; revert starts it', async () => {
    const fault = await injectContainerFault(client, { kind: 'stop', graceMs: 1000 }, target(2), 'stop-1');
    expect((await inspectState(containers[2]!.name)).status).toBe('exited');
    expect((await fault.revert()).status).toBe('reverted');
    expect((await inspectState(containers[2]!.name)).running).toBe(true);
  });

  it('restart leaves the container running with a new start time; revert has nothing to do', async () => {
    const before = await inspectState(containers[0]!.name);
    const fault = await injectContainerFault(
      client,
      { kind: 'restart', graceMs: 1000 },
      target(0),
      'restart-1',
    );
    const after = await inspectState(containers[0]!.name);
    expect(after.running).toBe(true);
    expect(after.startedAt).not.toBe(before.startedAt);
    expect(await fault.revert()).toEqual({ status: 'already-reverted', detail: 'running' });
  });

  it('revert after someone else already unpaused reports already-reverted', async () => {
    const fault = await injectContainerFault(client, { kind: 'pause' }, target(1), 'pause-2');
    await docker('unpause', containers[1]!.name);
    expect((await fault.revert()).status).toBe('already-reverted');
  });

  it('await using reverts when the scope ends, even by an exception', async () => {
    const run = async () => {
      await using fault = await injectContainerFault(client, { kind: 'pause' }, target(2), 'pause-3');
      expect((await inspectState(containers[2]!.name)).paused).toBe(true);
      expect(fault.kind).toBe('pause');
      throw new Error('a probe blew up');
    };
    await expect(run()).rejects.toThrow('a probe blew up');
    expect((await inspectState(containers[2]!.name)).paused).toBe(false);
  });

  it('a target removed while paused is reported as gone, not as a failure', async () => {
    const [doomed] = await startContainers(prefix, [{ name: 'doomed' }]);
    const fault = await injectContainerFault(
      client,
      { kind: 'pause' },
      { id: doomed!.id, name: doomed!.name },
      'pause-4',
    );
    await docker('rm', '-f', doomed!.name);
    expect(await fault.revert()).toEqual({
      status: 'target-gone',
      detail: 'the container was removed; nothing to revert',
    });
  });

  it('injecting into a container that is not running fails with Docker’s reason', async () => {
    const [stopped] = await startContainers(prefix, [{ name: 'stopped' }]);
    await docker('stop', '-t', '1', stopped!.name);
    await expect(
      injectContainerFault(client, { kind: 'pause' }, { id: stopped!.id, name: stopped!.name }, 'pause-5'),
    ).rejects.toThrow(/not running/);
  });
});
