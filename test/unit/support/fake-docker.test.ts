import { describe, expect, it } from 'vitest';
import { isNotFound } from '../../../src/docker/client.js';
import { FakeDocker } from './fake-docker.js';

/** The fake stands in for the Engine in engine tests: it must move containers the way Docker does. */
describe('FakeDocker', () => {
  const setup = () =>
    new FakeDocker([
      { name: 'web', id: 'abc' },
      { name: 'old', id: 'def', state: 'exited' },
    ]);

  it('lists running containers, or all of them', async () => {
    const docker = setup();
    expect((await docker.listContainers()).map((c) => c.name)).toEqual(['web']);
    expect((await docker.listContainers({ all: true })).map((c) => [c.name, c.state])).toEqual([
      ['web', 'running'],
      ['old', 'exited'],
    ]);
  });

  it('moves containers between running, paused and exited', async () => {
    const docker = setup();
    await docker.pause('abc');
    expect(await docker.inspect('abc')).toMatchObject({ state: 'paused', paused: true, running: true });
    await expect(docker.pause('abc')).rejects.toThrow('already paused');
    await expect(docker.kill('abc', 'SIGKILL')).rejects.toThrow('is paused');
    await docker.unpause('abc');
    await expect(docker.unpause('abc')).rejects.toThrow('is not paused');
    await docker.kill('abc', 'SIGKILL');
    expect(await docker.inspect('abc')).toMatchObject({ state: 'exited', running: false, paused: false });
    await expect(docker.pause('abc')).rejects.toThrow('is not running');
    await docker.start('abc');
    expect(docker.stateOf('web')).toBe('running');
  });

  it('answers 404 for a removed container', async () => {
    const docker = setup();
    await docker.remove('web');
    const error = await docker.inspect('abc').catch((caught: unknown) => caught);
    expect(isNotFound(error)).toBe(true);
  });

  it('fails an operation on one container, a given number of times, and records every call', async () => {
    const docker = setup();
    docker.failOn('pause', 'web', { times: 1 });
    await expect(docker.pause('abc')).rejects.toThrow('simulated pause failure');
    await docker.pause('abc');
    expect(docker.callsTo('pause')).toEqual(['web', 'web']);
    expect(docker.stateOf('web')).toBe('paused');
  });
});
