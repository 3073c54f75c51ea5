import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DockerClient } from '../../../src/docker/client.js';
import { legacyTablesListed } from '../../../src/network/legacy-tables.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { detectBackend, NetworkContext } from '../../../src/network/network-fault.js';
import { FakeNetnsRunner, fail, ok } from '../support/fakes.js';

const ID = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';
const target = { id: ID, name: 'api' };
let proc: string;
const procNet = async () => path.join(proc, '4242', 'net');

beforeEach(async () => {
  proc = await mkdtemp(path.join(tmpdir(), 'faultline-proc-'));
  await mkdir(path.join(proc, '4242', 'net'), { recursive: true });
  await writeFile(path.join(proc, '4242', 'cgroup'), `0::/system.slice/docker-${ID}.scope\n`);
});

afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

const net = (file: string, text: string) => writeFile(path.join(proc, '4242', 'net', file), text);

describe('legacy tables, read from the host', () => {
  it('lists them from /proc/<pid>/net/ip_tables_names', async () => {
    await net('dev', '');
    await net('ip_tables_names', 'filter\nnat\n');
    expect(await legacyTablesListed(procNet)).toBe(true);
    await net('ip_tables_names', '');
    expect(await legacyTablesListed(procNet)).toBe(false);
  });

  it('a namespace without the file has none (ip_tables is not loaded); an unreadable one is unknown', async () => {
    await net('dev', '');
    expect(await legacyTablesListed(procNet)).toBe(false);
    await rm(path.join(proc, '4242', 'net'), { recursive: true });
    expect(await legacyTablesListed(procNet)).toBeUndefined();
  });
});

describe('detecting the backend with the host lookup', () => {
  const runner = () =>
    new FakeNetnsRunner((argv) =>
      argv[0] === 'iptables-nft-save'
        ? ok('*nat\n-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT\nCOMMIT\n')
        : ok(),
    );

  it('without legacy tables, runs iptables-nft-save only, and tells whether nf_tables has a filter table', async () => {
    const none = runner();
    expect(await detectBackend(none, target, async () => false)).toMatchObject({
      ipv4: 'iptables-nft',
      nftFilterTable: false,
    });
    expect(none.lines()).toEqual(['iptables-nft-save']);
  });

  it('with legacy tables, or when it cannot be told, asks iptables-legacy-save as well', async () => {
    for (const listed of [true, undefined]) {
      const some = runner();
      await detectBackend(some, target, async () => listed);
      expect(some.lines().sort()).toEqual(['iptables-legacy-save', 'iptables-nft-save']);
    }
  });

  it('without legacy tables but without iptables-nft either, legacy is still found', async () => {
    const legacyOnly = new FakeNetnsRunner((argv) =>
      argv[0] === 'iptables-nft-save' ? fail('iptables-nft-save: not found', 127) : ok(),
    );
    expect(await detectBackend(legacyOnly, target, async () => false)).toMatchObject({
      ipv4: 'iptables-legacy',
      reason: 'only iptables-legacy is available',
    });
  });

  it('a filter table in the nf_tables save output is seen as there', async () => {
    const withFilter = new FakeNetnsRunner(() => ok('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n'));
    expect(await detectBackend(withFilter, target, async () => false)).toMatchObject({
      nftFilterTable: true,
    });
  });
});

describe("the run's network context, the nsenter way", () => {
  it("reads legacy tables under the runner's pid: one save per target, no Engine call of its own", async () => {
    await net('dev', '');
    await net('ip_tables_names', '');
    const runner = new FakeNetnsRunner(() => ok('*nat\nCOMMIT\n'));
    const looked: string[] = [];
    Object.assign(runner, {
      procNet: async (of: { name: string }) => {
        looked.push(of.name);
        return path.join(proc, '4242', 'net');
      },
    });
    const backend = await new NetworkContext(runner).backend(target);
    expect(backend).toMatchObject({ ipv4: 'iptables-nft', nftFilterTable: false });
    expect(runner.lines()).toEqual(['iptables-nft-save']);
    expect(looked).toEqual(['api']);
  });

  it('a runner that cannot read the namespace from the host asks iptables-legacy-save too', async () => {
    const runner = new FakeNetnsRunner(() => ok('*nat\nCOMMIT\n'));
    await new NetworkContext(runner).backend(target);
    expect(runner.lines().sort()).toEqual(['iptables-legacy-save', 'iptables-nft-save']);
  });
});

describe('NsenterRunner.procNet', () => {
  it("is /proc/<pid>/net of the target's checked pid, the Engine asked once for the run", async () => {
    let inspected = 0;
    const docker = {
      inspect: async () => {
        inspected++;
        return { id: ID, running: true, pid: 4242, state: 'running' };
      },
    } as unknown as DockerClient;
    const runner = new NsenterRunner(docker, proc);
    expect(await runner.procNet(target)).toBe(path.join(proc, '4242', 'net'));
    expect(await runner.procNet(target)).toBe(path.join(proc, '4242', 'net'));
    expect(inspected).toBe(1);
  });
});
