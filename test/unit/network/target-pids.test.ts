import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerDetails } from '../../../src/docker/client.js';
import { TargetGoneError } from '../../../src/network/netns-runner.js';
import { TargetPids } from '../../../src/network/verified-pid.js';
import { FakeDocker } from '../support/fake-docker.js';

const ID = '90ba651a1bd5614aca810cfa71289f373ad3413c9462a2819815c4a6f61b3c8b';
const OTHER = '5f3e0c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d';
const web = { id: ID, name: 'web' };
const cgroupOf = (id: string) => `0::/system.slice/docker-${id}.scope\n`;

let proc: string;
beforeEach(async () => {
  proc = await mkdtemp(path.join(tmpdir(), 'faultline-pids-'));
});
afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

async function processEntry(pid: number, containerId: string): Promise<void> {
  await mkdir(path.join(proc, String(pid)), { recursive: true });
  await writeFile(path.join(proc, String(pid), 'cgroup'), cgroupOf(containerId));
}

/** An Engine that reports web with the pid (and state) set on it, counting inspects. */
function engine(state: Partial<ContainerDetails> = { pid: 4242 }) {
  const docker = new FakeDocker([{ name: 'web', id: ID }]);
  const inspect = docker.inspect.bind(docker);
  const now = { ...state };
  docker.inspect = async (id: string) => ({ ...(await inspect(id)), ...now });
  return { docker, now, inspects: () => docker.callsTo('inspect').length };
}

describe('TargetPids', () => {
  it('asks the Engine once per target, then only checks the process here', async () => {
    await processEntry(4242, ID);
    const { docker, inspects } = engine();
    const pids = new TargetPids(docker, proc);
    for (let i = 0; i < 5; i++) expect(await pids.pidOf(web)).toBe(4242);
    expect(inspects()).toBe(1);
  });

  it('uses a pid known from earlier without asking the Engine, once /proc confirms it', async () => {
    await processEntry(4242, ID);
    const { docker, inspects } = engine();
    const pids = new TargetPids(docker, proc, new Map([[ID, 4242]]));
    for (let i = 0; i < 3; i++) expect(await pids.pidOf(web)).toBe(4242);
    expect(inspects()).toBe(0);
  });

  it("asks the Engine when a pid known from earlier is now another container's process", async () => {
    await processEntry(4242, OTHER);
    await processEntry(5100, ID);
    const { docker, inspects } = engine({ pid: 5100 });
    const pids = new TargetPids(docker, proc, new Map([[ID, 4242]]));
    expect(await pids.pidOf(web)).toBe(5100);
    expect(inspects()).toBe(1);
  });

  it('finds a restarted target under its new pid', async () => {
    await processEntry(4242, ID);
    const { docker, now, inspects } = engine();
    const pids = new TargetPids(docker, proc);
    expect(await pids.pidOf(web)).toBe(4242);
    // The first process exited; the container runs again under another pid.
    await rm(path.join(proc, '4242'), { recursive: true });
    await processEntry(5100, ID);
    now.pid = 5100;
    expect(await pids.pidOf(web)).toBe(5100);
    expect(await pids.pidOf(web)).toBe(5100);
    expect(inspects()).toBe(2);
  });

  it('reports a target that stopped as gone', async () => {
    await processEntry(4242, ID);
    const { docker, now } = engine();
    const pids = new TargetPids(docker, proc);
    await pids.pidOf(web);
    await rm(path.join(proc, '4242'), { recursive: true });
    Object.assign(now, { pid: 0, running: false, state: 'exited' });
    await expect(pids.pidOf(web)).rejects.toBeInstanceOf(TargetGoneError);
  });

  it('never uses a cached pid that another container now holds', async () => {
    await processEntry(4242, ID);
    const { docker, now } = engine();
    const pids = new TargetPids(docker, proc);
    await pids.pidOf(web);
    // web restarted under 5100, and its old pid went to a process of another container.
    await processEntry(4242, OTHER);
    await processEntry(5100, ID);
    now.pid = 5100;
    expect(await pids.pidOf(web)).toBe(5100);
  });

  it('refuses when the Engine still names a pid that is now another container', async () => {
    await processEntry(4242, ID);
    const { docker } = engine();
    const pids = new TargetPids(docker, proc);
    await pids.pidOf(web);
    await processEntry(4242, OTHER);
    await expect(pids.pidOf(web)).rejects.toMatchObject({
      code: 'NETNS_UNAVAILABLE',
      message: expect.stringContaining("the Engine's pid 4242 for web is not container 90ba651a1bd5"),
    });
    // And it stays refused: nothing was cached from the refusal.
    await expect(pids.pidOf(web)).rejects.toMatchObject({ code: 'NETNS_UNAVAILABLE' });
  });
});
