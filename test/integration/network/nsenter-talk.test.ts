import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { NsenterRunner, TargetGoneError } from '../../../src/network/netns-runner.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { NetworkLab, nsenterOk } from '../../support/network.js';

/**
 * A talk on the nsenter way: a look and the follow-up in one process in the target's namespace. The
 * follow-up goes where a command of its own would: into the namespace the target has when it is
 * answered, never into the one the look saw if the target restarted in between.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('nsenter-talk'));
const CHAIN = 'FLX-TALK';
const batch = [
  '*filter',
  `:${CHAIN} - [0:0]`,
  `-A ${CHAIN} -p tcp --dport 4711 -j ACCEPT`,
  'COMMIT',
  '',
].join('\n');
const restore = ['iptables-nft-restore', '-w', '5', '--noflush'];
const chainIn = async (name: string) =>
  (await nsenterOk(name, 'iptables-nft-save', '-t', 'filter')).includes(`:${CHAIN} `);

beforeAll(async () => {
  await lab.start([{ service: 'a' }, { service: 'b' }]);
});

afterAll(async () => {
  await lab.remove();
});

describe('a talk in a target namespace (nsenter)', () => {
  it("reads the look, then runs the chosen follow-up with its input in the target's namespace", async () => {
    const runner = new NsenterRunner(client);
    const a = lab.get('a');
    const talk = await runner.talk(a, ['iptables-nft-save'], [['false'], restore]);
    expect(talk.look.exitCode).toBe(0);
    expect(talk.look.stdout).toContain('DOCKER_OUTPUT');
    expect(await chainIn(a.name)).toBe(false);
    expect(await talk.answer(1, batch)).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await chainIn(a.name)).toBe(true);
    expect(await chainIn(lab.get('b').name)).toBe(false);
    await nsenterOk(a.name, 'iptables-nft', '-F', CHAIN);
    await nsenterOk(a.name, 'iptables-nft', '-X', CHAIN);
  });

  it('sends the follow-up to the new namespace when the target restarted after the look', async () => {
    const runner = new NsenterRunner(client);
    const before = lab.get('b');
    const talk = await runner.talk(before, ['iptables-nft-save', '-t', 'filter'], [restore]);
    expect(talk.look.exitCode).toBe(0);
    const after = await lab.restart('b');
    expect(await talk.answer(0, batch)).toMatchObject({ exitCode: 0 });
    expect(await chainIn(after.name)).toBe(true);
    await nsenterOk(after.name, 'iptables-nft', '-F', CHAIN);
    await nsenterOk(after.name, 'iptables-nft', '-X', CHAIN);
  });

  it('reports the target gone when it stopped after the look, and runs nothing', async () => {
    const runner = new NsenterRunner(client);
    const a = lab.get('a');
    const talk = await runner.talk(a, ['true'], [restore]);
    await docker('stop', '-t', '1', a.name);
    try {
      await expect(talk.answer(0, batch)).rejects.toBeInstanceOf(TargetGoneError);
    } finally {
      await docker('start', a.name);
    }
    expect(await chainIn(a.name)).toBe(false);
  });
});
