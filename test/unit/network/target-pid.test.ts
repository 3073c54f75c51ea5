import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerDetails, DockerClient } from '../../../src/docker/client.js';
import { NsenterRunner, TargetGoneError } from '../../../src/network/netns-runner.js';
import { chooseRunner, DEFAULT_NETWORK_SETUP } from '../../../src/network/setup.js';
import { cgroupNamesContainer, describePidMismatch, viewPid } from '../../../src/network/target-pid.js';
import { FakeDocker } from '../support/fake-docker.js';

const ID = '90ba651a1bd5614aca810cfa71289f373ad3413c9462a2819815c4a6f61b3c8b';
const OTHER = '5f3e0c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d';

const V1 = [
  '12:pids:/docker/ID',
  '11:memory:/docker/ID',
  '4:cpu,cpuacct:/docker/ID',
  '1:name=systemd:/docker/ID',
  '0::/docker/ID',
].join('\n');
const V2_SYSTEMD = '0::/system.slice/docker-ID.scope\n';
const PODMAN = '0::/machine.slice/libpod-ID.scope/container\n';
const ROOTLESS = '0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-ID.scope\n';
const CRI = '0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-ID.scope\n';
const with_ = (text: string, id: string) => text.replaceAll('ID', id);

let proc: string;
beforeEach(async () => {
  proc = await mkdtemp(path.join(tmpdir(), 'faultline-proc-'));
});
afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

/** A made-up /proc entry: /proc/<pid>/cgroup with the given text. */
async function processEntry(pid: number, cgroup: string): Promise<void> {
  await mkdir(path.join(proc, String(pid)), { recursive: true });
  await writeFile(path.join(proc, String(pid), 'cgroup'), cgroup);
}

describe('cgroupNamesContainer', () => {
  it.each([
    ['cgroup v1 (/docker/<id>)', V1],
    ['cgroup v2 with systemd (docker-<id>.scope)', V2_SYSTEMD],
    ['podman (libpod-<id>)', PODMAN],
    ['rootless Docker', ROOTLESS],
    ['any runtime that puts the full id in a segment', CRI],
    ['a path seen from another cgroup namespace', '0::/../../docker/ID\n'],
  ])('finds the container in %s', (_what, text) => {
    expect(cgroupNamesContainer(with_(text, ID), ID)).toBe(true);
    expect(cgroupNamesContainer(with_(text, ID.toUpperCase()), ID)).toBe(true);
  });

  it.each([
    ['another container', with_(V1, OTHER)],
    ['the root cgroup (a process of the host or of our own container)', '0::/\n'],
    ['the id only in a controller name', `0:${ID}:/\n`],
    ['a longer hex string that contains the id', with_(V2_SYSTEMD, `${ID}ab`)],
    ['a short id only', with_(V1, ID.slice(0, 12))],
    ['an empty file', ''],
  ])('does not take %s for the container', (_what, text) => {
    expect(cgroupNamesContainer(text, ID)).toBe(false);
  });

  it('never matches when the id it is given is not a full 64-hex id', () => {
    expect(cgroupNamesContainer(with_(V1, ID), ID.slice(0, 12))).toBe(false);
  });
});

describe('viewPid', () => {
  it("says own when the process's cgroup names the container", async () => {
    await processEntry(4242, with_(V2_SYSTEMD, ID));
    expect(await viewPid(4242, ID, proc)).toEqual({ kind: 'own', pid: 4242 });
  });

  it('says foreign when the pid here is another process', async () => {
    await processEntry(4242, with_(V1, OTHER));
    expect(await viewPid(4242, ID, proc)).toEqual({ kind: 'foreign', pid: 4242 });
  });

  it('says absent when there is no such process, or no cgroup file for it', async () => {
    expect(await viewPid(4242, ID, proc)).toEqual({ kind: 'absent', pid: 4242 });
    await mkdir(path.join(proc, '4243'));
    expect(await viewPid(4243, ID, proc)).toEqual({ kind: 'absent', pid: 4243 });
  });

  it('says unreadable when the entry cannot be read', async () => {
    // A directory where the file should be: reading it fails with EISDIR, whoever runs the test.
    await mkdir(path.join(proc, '4242', 'cgroup'), { recursive: true });
    const view = await viewPid(4242, ID, proc);
    expect(view.kind).toBe('unreadable');
  });

  it('explains each mismatch in words a user can act on', () => {
    const target = { id: ID, name: 'web' };
    expect(describePidMismatch({ kind: 'absent', pid: 4242 }, target)).toBe(
      "the Engine's pid 4242 for web is not visible here (faultline runs in another PID namespace)",
    );
    expect(describePidMismatch({ kind: 'foreign', pid: 4242 }, target)).toBe(
      "the Engine's pid 4242 for web is not container 90ba651a1bd5 here but another process (faultline runs in another PID namespace)",
    );
  });
});

describe('chooseRunner', () => {
  const possible = async () => ({ ok: true, why: 'root on the Docker host, nsenter available' });
  const auto = DEFAULT_NETWORK_SETUP;

  function engine() {
    const docker = new FakeDocker([
      { name: 'web', id: ID },
      { name: 'db', id: OTHER },
    ]);
    const web = { id: ID, name: 'web' };
    const db = { id: OTHER, name: 'db' };
    return { docker, web, db };
  }

  it("picks nsenter when every target's Engine pid is its own process here", async () => {
    const { docker, web } = engine();
    await processEntry(4242, with_(V1, ID));
    const chosen = await chooseRunner(docker, auto, 'run1', {
      targets: [web],
      procRoot: proc,
      nsenterPossible: possible,
    });
    expect(chosen.runner.via).toBe('nsenter');
    expect(chosen.why).toBe(
      "root on the Docker host, nsenter available, the targets' processes visible here",
    );
  });

  it('picks the helper for the whole run when one target fails the check, and says why', async () => {
    const { docker, web, db } = engine();
    // The fake Engine reports pid 4242 for both; here it is web's process, so db's pid is not db.
    await processEntry(4242, with_(V1, ID));
    const chosen = await chooseRunner(docker, auto, 'run1', {
      targets: [web, db],
      procRoot: proc,
      nsenterPossible: possible,
    });
    expect(chosen.runner.via).toBe('helper');
    expect(chosen.why).toBe(
      "the Engine's pid 4242 for db is not container 5f3e0c2d9a8b here but another process (faultline runs in another PID namespace); helper image faultline/nettools:1",
    );
  });

  it('picks the helper when the pid is not visible at all (faultline in a container without --pid=host)', async () => {
    const { docker, web } = engine();
    const chosen = await chooseRunner(docker, auto, 'run1', {
      targets: [web],
      procRoot: proc,
      nsenterPossible: possible,
    });
    expect(chosen.runner.via).toBe('helper');
    expect(chosen.why).toBe(
      "the Engine's pid 4242 for web is not visible here (faultline runs in another PID namespace); helper image faultline/nettools:1",
    );
  });

  it('checks every running container when no targets are given (recover)', async () => {
    const { docker } = engine();
    await processEntry(4242, with_(V1, ID));
    const chosen = await chooseRunner(docker, auto, 'run1', { procRoot: proc, nsenterPossible: possible });
    expect(chosen.runner.via).toBe('helper');
    expect(chosen.why).toContain('for db is not container 5f3e0c2d9a8b here');
  });

  it('says why nsenter is out when it cannot work at all', async () => {
    const { docker, web } = engine();
    const chosen = await chooseRunner(docker, auto, 'run1', {
      targets: [web],
      procRoot: proc,
      nsenterPossible: async () => ({ ok: false, why: 'faultline is not running as root' }),
    });
    expect(chosen.runner.via).toBe('helper');
    expect(chosen.why).toBe('faultline is not running as root; helper image faultline/nettools:1');
  });

  it('refuses a forced --via nsenter with the mismatch and what to do', async () => {
    const { docker, web } = engine();
    const attempt = chooseRunner(docker, { ...auto, via: 'nsenter' }, 'run1', {
      targets: [web],
      procRoot: proc,
      nsenterPossible: possible,
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'NETNS_UNAVAILABLE',
      exitCode: 3,
      message:
        "cannot use nsenter: the Engine's pid 4242 for web is not visible here (faultline runs in another PID namespace); inside a container?",
      hint: "Use --via helper, or run faultline's container with --pid=host so that it sees the containers' processes.",
    });
  });

  it('names the missing helper image and why nsenter was not used when neither works', async () => {
    const { docker, web } = engine();
    docker.images = new Set();
    const attempt = chooseRunner(docker, auto, 'run1', {
      targets: [web],
      procRoot: proc,
      nsenterPossible: possible,
    });
    await expect(attempt).rejects.toThrow(
      /the helper image faultline\/nettools:1 is not there \(the Engine's pid 4242 for web is not visible here/,
    );
  });
});

/** An Engine whose inspect answers come from a list, to change a container between two calls. */
function scriptedEngine(answers: Partial<ContainerDetails>[]): DockerClient {
  const docker = new FakeDocker([{ name: 'web', id: ID }]);
  const inspect = docker.inspect.bind(docker);
  docker.inspect = async (id: string) => {
    const base = await inspect(id);
    const next = answers.length > 1 ? answers.shift()! : answers[0]!;
    return { ...base, ...next };
  };
  return docker;
}

describe('NsenterRunner.run', () => {
  const web = { id: ID, name: 'web' };

  it('refuses, naming the mismatch, when the pid here is not the target (never runs nsenter)', async () => {
    await processEntry(4242, with_(V1, OTHER));
    const runner = new NsenterRunner(scriptedEngine([{ pid: 4242 }]), proc);
    await expect(runner.run(web, ['iptables', '-F'])).rejects.toMatchObject({
      code: 'NETNS_UNAVAILABLE',
      message:
        "refusing to run nsenter for web: the Engine's pid 4242 for web is not container 90ba651a1bd5 here but another process (faultline runs in another PID namespace); inside a container?",
    });
  });

  it('reports the target gone when it stopped after its pid was read', async () => {
    const runner = new NsenterRunner(
      scriptedEngine([{ pid: 4242 }, { pid: 0, running: false, state: 'exited' }]),
      proc,
    );
    await expect(runner.run(web, ['iptables', '-F'])).rejects.toBeInstanceOf(TargetGoneError);
  });

  it('looks again under the new pid of a target that restarted meanwhile, and refuses if that fails too', async () => {
    await processEntry(5000, with_(V1, OTHER));
    const docker = scriptedEngine([{ pid: 4242 }, { pid: 5000 }, { pid: 5000 }]);
    const runner = new NsenterRunner(docker, proc);
    await expect(runner.run(web, ['true'])).rejects.toThrow(/the Engine's pid 5000 for web is not container/);
  });
});
