import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AttachedHelper, ContainerDetails, HelperSpec } from '../../../src/docker/client.js';
import { HelperRunner, TargetGoneError } from '../../../src/network/netns-runner.js';
import { FakeDocker } from '../support/fake-docker.js';

const ID = '90ba651a1bd5614aca810cfa71289f373ad3413c9462a2819815c4a6f61b3c8b';
const web = { id: ID, name: 'web' };

/**
 * An attached helper whose program is played here: it skips its input up to the start marker, answers
 * it, then answers each framed command with its arguments joined (`answer` may change that).
 */
function playedHelper(id: string, options: { junk?: string; marker?: boolean } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = options.junk ?? '';
  let started = false;
  let dead = false;
  stdin.on('data', (chunk: Buffer) => {
    if (dead) return;
    text += chunk.toString();
    for (;;) {
      if (!started) {
        const at = text.indexOf('faultline-session-start\n');
        if (at < 0) return;
        text = text.slice(at + 'faultline-session-start\n'.length);
        started = true;
        stdout.write(options.marker === false ? 'garbage\n' : '0 0 0\n');
        continue;
      }
      if (!text.includes('\n')) return;
      const lines = text.split('\n');
      const [argc, inputLines] = (lines[0] ?? '').split(' ').map(Number) as [number, number];
      if (lines.length < 2 + argc + inputLines) return;
      const argv = lines.slice(1, 1 + argc);
      text = lines.slice(1 + argc + inputLines).join('\n');
      const out = `${argv.join(' ')}\n`;
      stdout.write(`0 ${Buffer.byteLength(out)} 0\n${out}`);
    }
  });
  const helper: AttachedHelper = { id, stdin, stdout, stderr };
  return {
    helper,
    end: () => stdout.end(),
    kill: () => {
      dead = true;
    },
  };
}

/** An Engine whose target web has the pid and PID mode set in `now`; helpers are played. */
function engine(now: Partial<ContainerDetails> = { pid: 4242, pidMode: '' }, marker = true) {
  const docker = new FakeDocker([{ name: 'web', id: ID }]);
  const inspect = docker.inspect.bind(docker);
  docker.inspect = async (id: string) => ({ ...(await inspect(id)), ...(id === ID ? now : {}) });
  const attached: { spec: HelperSpec; end: () => void; kill: () => void; id: string }[] = [];
  const withAttach = docker as FakeDocker & { runAttachedHelper(spec: HelperSpec): Promise<AttachedHelper> };
  withAttach.runAttachedHelper = async (spec) => {
    const id = await docker.runHelper({ ...spec, name: `helper-${attached.length + 1}` });
    const played = playedHelper(id, { junk: '{"stream":true}', marker });
    attached.push({ spec, end: played.end, kill: played.kill, id });
    return played.helper;
  };
  return { docker, now, attached, inspects: () => docker.callsTo('inspect').length };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HelperRunner', () => {
  it('asks the Engine once for a target with its own PID namespace, whose helper shares it', async () => {
    const { docker, attached, inspects } = engine();
    const runner = new HelperRunner(docker, 'faultline/nettools:1', 'run1');
    for (let i = 0; i < 5; i++)
      expect(await runner.run(web, ['iptables', '-S', String(i)])).toMatchObject({
        exitCode: 0,
        stdout: `iptables -S ${i}\n`,
      });
    expect(inspects()).toBe(1);
    expect(attached).toHaveLength(1);
    expect(attached[0]?.spec).toMatchObject({ networkMode: `container:${ID}`, pidMode: `container:${ID}` });
    await runner.dispose();
    expect(docker.callsTo('remove')).toEqual(['helper-1']);
  });

  it('asks the Engine before every command when the target shares the host’s PID namespace', async () => {
    const { docker, attached, inspects } = engine({ pid: 4242, pidMode: 'host' });
    const runner = new HelperRunner(docker, 'faultline/nettools:1', 'run2');
    for (let i = 0; i < 3; i++) await runner.run(web, ['true']);
    expect(inspects()).toBe(3);
    expect(attached[0]?.spec.pidMode).toBeUndefined();
    await runner.dispose();
  });

  it('sends a command to a new helper when the target restarted under the old one', async () => {
    const { docker, now, attached } = engine();
    const runner = new HelperRunner(docker, 'faultline/nettools:1', 'run3');
    await runner.run(web, ['true']);
    // The target restarted: its old helper was killed with it (the runner does not know yet), its new
    // process has another pid.
    now.pid = 5100;
    attached[0]?.kill();
    const answer = runner.run(web, ['iptables', '-N', 'FLX']);
    await tick();
    attached[0]?.end();
    expect(await answer).toMatchObject({ exitCode: 0, stdout: 'iptables -N FLX\n' });
    expect(attached).toHaveLength(2);
    expect(docker.callsTo('remove')).toEqual(['helper-1']);
    await runner.dispose();
  });

  it('removes a helper that ended with its stopped target and reports the target gone', async () => {
    const { docker, attached } = engine();
    const runner = new HelperRunner(docker, 'faultline/nettools:1', 'run4');
    await runner.run(web, ['true']);
    attached[0]?.end();
    docker.setState('web', 'exited');
    await tick();
    await expect(runner.run(web, ['true'])).rejects.toBeInstanceOf(TargetGoneError);
    expect(docker.callsTo('remove')).toEqual(['helper-1']);
    await runner.dispose();
  });

  it('reaches a helper by exec when its program does not answer the start marker', async () => {
    const { docker } = engine({ pid: 4242, pidMode: '' }, false);
    const runner = new HelperRunner(docker, 'faultline/nettools:1', 'run5');
    expect((await runner.run(web, ['true'])).exitCode).toBe(0);
    expect(docker.callsTo('remove')).toEqual(['helper-1']);
    expect(docker.callsTo('exec')).toHaveLength(1);
    await runner.dispose();
  });
});
