import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { HelperRunner, TargetGoneError } from '../../../src/network/netns-runner.js';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import { uniquePrefix, waitFor } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { helperContainers, NetworkLab, nsenterOk } from '../../support/network.js';

/**
 * A helper container answers the commands sent to its stdin one after another: exit codes, stdout and
 * stderr kept apart, input given to each, arguments passed as they are; its target's end is reported.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('helper-session'));

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  await lab.start([{ service: 'a' }]);
});

afterAll(async () => {
  await lab.remove();
});

const helpersOf = async (runId: string) =>
  (await helperContainers()).filter((line) => line.includes(`org.faultline.run-id=${runId}`));

describe('a helper that runs many commands', () => {
  it('answers each in turn, with its input, through one helper', async () => {
    const runner = new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'session01');
    const target = lab.get('a');
    try {
      for (let i = 0; i < 40; i++) {
        const input = `line ${i}\n  indented \\ $HOME 'q'\n\n`;
        const echoed = await runner.run(
          target,
          ['sh', '-c', 'cat; echo "$1" >&2; exit "$2"', '-', `a $x ${i}`, String(i % 5)],
          { input },
        );
        expect(echoed).toEqual({ exitCode: i % 5, stdout: input, stderr: `a $x ${i}\n` });
      }
      // The namespace is the target's: a chain made through the helper is seen from the host.
      expect((await runner.run(target, ['iptables', '-N', 'FLX-SESSION'])).exitCode).toBe(0);
      expect(await nsenterOk(target.name, 'iptables', '-S', 'FLX-SESSION')).toContain('-N FLX-SESSION');
      expect((await runner.run(target, ['iptables', '-X', 'FLX-SESSION'])).exitCode).toBe(0);
      // tc is the image's own (iproute2), not a shell's built-in stand-in.
      const qdiscs = await runner.run(target, ['tc', '-batch', '-'], { input: 'qdisc show dev lo\n' });
      expect(qdiscs).toMatchObject({ exitCode: 0, stderr: '' });
      expect(qdiscs.stdout).toMatch(/^qdisc noqueue 0: root/);
      const missing = await runner.run(target, ['no-such-tool']);
      expect(missing.exitCode).toBe(127);
      expect(missing.stderr).toMatch(/not found/);
      // An argument with a newline cannot be framed: it still arrives intact.
      expect(await runner.run(target, ['echo', 'two\nlines'])).toEqual({
        exitCode: 0,
        stdout: 'two\nlines\n',
        stderr: '',
      });
      expect(await helpersOf('session01')).toHaveLength(1);
    } finally {
      await runner.dispose();
    }
    expect(await helpersOf('session01')).toEqual([]);
  });

  it('answers commands sent at the same time, each its own', async () => {
    const runner = new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'session02');
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => runner.run(lab.get('a'), ['echo', `n${i}`])),
      );
      expect(answers.map((answer) => answer.stdout)).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}\n`));
    } finally {
      await runner.dispose();
    }
  });
});

describe('a helper whose target goes away', () => {
  it('replaces the helper of a restarted target, and reports a removed target as gone', async () => {
    const doomed = await lab.add({ service: 'doomed' });
    const runner = new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'session03');
    try {
      expect((await runner.run(doomed, ['true'])).exitCode).toBe(0);
      const [before] = await helpersOf('session03');
      await lab.restart('doomed');
      // The old helper ended with the target's first process; the chain goes to the new namespace.
      expect((await runner.run(doomed, ['iptables', '-N', 'FLX-RESTARTED'])).exitCode).toBe(0);
      expect(await nsenterOk(doomed.name, 'iptables', '-S', 'FLX-RESTARTED')).toContain('-N FLX-RESTARTED');
      const after = await helpersOf('session03');
      expect(after).toHaveLength(1);
      expect(after[0]).not.toEqual(before);

      await docker('rm', '-f', doomed.name);
      await expect(runner.run(doomed, ['iptables', '-S'])).rejects.toBeInstanceOf(TargetGoneError);
    } finally {
      await runner.dispose();
    }
    expect(await helpersOf('session03')).toEqual([]);
  });
});

describe('a helper in its target’s PID namespace', () => {
  it('ends with its stopped target, is removed at the next command, which reports the target gone', async () => {
    const stopped = await lab.add({ service: 'stopped' });
    const runner = new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'session04');
    try {
      expect((await runner.run(stopped, ['true'])).exitCode).toBe(0);
      await docker('stop', '-t', '1', stopped.name);
      await waitFor('the helper to end', async () =>
        (
          await docker(
            'ps',
            '-a',
            '--filter',
            'label=org.faultline.run-id=session04',
            '--format',
            '{{.State}}',
          )
        ).startsWith('exited'),
      );
      await expect(runner.run(stopped, ['iptables', '-S'])).rejects.toBeInstanceOf(TargetGoneError);
      expect(await helpersOf('session04')).toEqual([]);
    } finally {
      await runner.dispose();
    }
  });
});
