import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerodeOverSsh } from '../../src/docker/ssh-agent.js';
import { SshConnectionError } from '../../src/docker/ssh-socket.js';
import { BIN, E2E_ENV } from '../support/cli.js';
import { removeTestContainers, type TestContainer, uniquePrefix, waitFor } from '../support/containers.js';
import { docker as dockerCli, FIXTURE_IMAGE, inspectState, TEST_LABEL } from '../support/docker-cli.js';
import { findSshd, startSshd, type TestSshd } from '../support/sshd.js';

/**
 * An ssh:// endpoint reached the docker CLI's way: a private sshd on loopback, a fresh key, and every
 * Docker call below going through `ssh ... docker system dial-stdio` processes.
 */
const prefix = uniquePrefix('ssh');
let sshd: TestSshd;
let docker: Docker;
let target: TestContainer;

async function sshdBinary(): Promise<string> {
  const found = findSshd();
  if (found) return found;
  // Installs openssh-server when it may (root or passwordless sudo); otherwise says what to install.
  const setup = await execa('bash', ['scripts/setup-sshd.sh'], { reject: false, all: true });
  const installed = findSshd();
  if (!installed) throw new Error(`These tests need sshd; scripts/setup-sshd.sh failed:\n${setup.all}`);
  return installed;
}

function agentOf(client: Docker): Agent {
  return (client.modem as unknown as { agent: Agent }).agent;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An exec as faultline runs one: hijacked connection, stdout and stderr demultiplexed. */
async function execIn(client: Docker, id: string, cmd: string[]) {
  const exec = await client
    .getContainer(id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  client.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const inspected = await exec.inspect();
  return {
    exitCode: inspected.ExitCode,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

beforeAll(async () => {
  sshd = await startSshd(await sshdBinary());
  // No network: nothing here needs one, and the test then does not depend on the default bridge.
  const name = `${prefix}-target`;
  const id = await dockerCli(
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'none',
    '--label',
    `${TEST_LABEL}=${prefix}`,
    '--stop-timeout',
    '2',
    FIXTURE_IMAGE,
    '/app/backend.mjs',
  );
  target = { name, id };
  docker = dockerodeOverSsh(new URL(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`), {
    sshCommand: sshd.sshCommand,
    env: sshd.env,
  });
});

afterAll(async () => {
  if (docker) agentOf(docker).destroy();
  await removeTestContainers(prefix);
  await sshd?.stop();
});

describe('an ssh:// Docker endpoint, through ssh and docker system dial-stdio', () => {
  it('pings the Engine, lists and inspects containers, and reuses one ssh process for consecutive calls', async () => {
    expect(String(await docker.ping())).toBe('OK');
    const listed = await docker.listContainers({ filters: { label: [`org.faultline.test=${prefix}`] } });
    expect(listed.map((item) => item.Names[0])).toEqual([`/${target.name}`]);
    const info = await docker.getContainer(target.name).inspect();
    expect(info.Id).toBe(target.id);
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels['org.faultline.test']).toBe(prefix);
    // Sequential calls share the kept-alive connection: one ssh process so far.
    expect(await sshd.sshPids()).toHaveLength(1);
  });

  it('pauses and unpauses a container, as the Engine itself then reports', async () => {
    await docker.getContainer(target.id).pause();
    expect((await inspectState(target.name)).paused).toBe(true);
    await docker.getContainer(target.id).unpause();
    expect(await inspectState(target.name)).toMatchObject({ paused: false, running: true });
  });

  it('runs an exec over a hijacked connection and separates its stdout, stderr and exit code', async () => {
    const result = await execIn(docker, target.id, [
      'node',
      '-e',
      "process.stdout.write('to stdout\\n'); process.stderr.write('to stderr\\n'); process.exitCode = 3",
    ]);
    expect(result).toEqual({ exitCode: 3, stdout: 'to stdout\n', stderr: 'to stderr\n' });
    // The connection still works afterwards.
    expect((await docker.getContainer(target.id).inspect()).State.Running).toBe(true);
  });

  it('streams a request body (a tar archive, as image builds send) into a container', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fl-ssh-tar-'));
    try {
      await writeFile(path.join(dir, 'greeting.txt'), 'sent over ssh\n');
      await execa('tar', ['-cf', path.join(dir, 'context.tar'), '-C', dir, 'greeting.txt']);
      await docker.getContainer(target.id).putArchive(path.join(dir, 'context.tar'), { path: '/tmp' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const result = await execIn(docker, target.id, ['cat', '/tmp/greeting.txt']);
    expect(result).toEqual({ exitCode: 0, stdout: 'sent over ssh\n', stderr: '' });
  });

  it('kills the ssh process when its connection is destroyed', async () => {
    const exec = await docker.getContainer(target.id).exec({ Cmd: ['sleep', '60'], AttachStdout: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    // The exec took the pooled connection (one ssh process) out of the pool for itself.
    const execPid = (await sshd.sshPids()).at(-1)!;
    expect(alive(execPid)).toBe(true);
    stream.destroy();
    await waitFor('the ssh process to exit', async () => !alive(execPid), 5_000);
    // The next call starts a fresh ssh process.
    expect(String(await docker.ping())).toBe('OK');
    expect((await sshd.sshPids()).at(-1)).not.toBe(execPid);
  });

  it('keeps its connection through a Ctrl-C, so the reverts that follow can still reach the Engine', async () => {
    // A terminal sends SIGINT to the whole foreground process group: faultline's own process and,
    // unless they run in a group of their own, its ssh processes too.
    const dir = await mkdtemp(path.join(tmpdir(), 'fl-ssh-sigint-'));
    const script = path.join(dir, 'runner.mts');
    await writeFile(
      script,
      [
        `import { dockerodeOverSsh } from ${JSON.stringify(path.resolve('src/docker/ssh-agent.ts'))};`,
        'const docker = dockerodeOverSsh(new URL(process.env.FL_URL), { sshCommand: process.env.FL_SSH });',
        'await docker.ping();',
        "process.on('SIGINT', () => docker.ping().then(",
        "  () => { console.log('ping after SIGINT: ok'); process.exit(0); },",
        '  (error) => { console.log(`ping after SIGINT: ${error.message}`); process.exit(1); }));',
        "console.log('ready');",
        'setInterval(() => undefined, 1000);',
      ].join('\n'),
    );
    const before = (await sshd.sshPids()).length;
    const runner = execa(process.execPath, ['--import', 'tsx', script], {
      detached: true,
      reject: false,
      timeout: 30_000,
      env: { ...sshd.env, FL_URL: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, FL_SSH: sshd.sshCommand },
    });
    try {
      const ready = new Promise<void>((resolve) =>
        runner.stdout?.on('data', (chunk: Buffer) => chunk.includes('ready') && resolve()),
      );
      const ended = runner.then((result) => {
        throw new Error(`the runner ended before it was ready:\n${result.stdout}\n${result.stderr}`);
      });
      ended.catch(() => undefined);
      await Promise.race([ready, ended]);
      process.kill(-runner.pid!, 'SIGINT');
      const result = await runner;
      expect(result.stdout).toContain('ping after SIGINT: ok');
      // The second ping went through the ssh process the first one started.
      expect((await sshd.sshPids()).length).toBe(before + 1);
    } finally {
      runner.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with ssh\'s own "Permission denied" when the key is not authorized, without hanging', async () => {
    const refused = dockerodeOverSsh(new URL(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`), {
      sshCommand: sshd.wrongKeySshCommand,
      env: sshd.env,
    });
    const started = Date.now();
    const error = await refused.ping().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(SshConnectionError);
    expect((error as SshConnectionError).code).toBe('DOCKER_SSH_FAILED');
    expect((error as Error).message).toContain(`over ssh at ${sshd.user}@127.0.0.1:${sshd.port}`);
    expect((error as Error).message).toMatch(
      /ssh exited with code 255 before the Docker Engine answered: .*Permission denied \(publickey\)/,
    );
    expect(elapsed).toBeLessThan(15_000);
    agentOf(refused).destroy();
  });
});

describe('faultline run against an ssh:// endpoint', () => {
  it('pauses the target through ssh, names the endpoint, and reverts it', async () => {
    // The ssh on PATH is the one faultline runs, as the docker CLI does: here it adds the test's config.
    const dir = await mkdtemp(path.join(tmpdir(), 'fl-ssh-cli-'));
    try {
      await mkdir(path.join(dir, 'bin'));
      await writeFile(
        path.join(dir, 'bin/ssh'),
        `#!/bin/sh\nPATH=/usr/bin:/bin exec '${sshd.sshCommand}' "$@"\n`,
        { mode: 0o755 },
      );
      const file = path.join(dir, 'pause.yaml');
      await writeFile(
        file,
        [
          'title: pause over ssh',
          'hypothesis:',
          '  - name: always',
          '    command: ["true"]',
          'method:',
          `  - pause: { target: { name: ${target.name} }, duration: 2s }`,
          'recovery: 5s',
        ].join('\n'),
      );
      let sawPaused = false;
      let done = false;
      const watcher = (async () => {
        while (!done) {
          if ((await inspectState(target.name)).paused) sawPaused = true;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      const host = `ssh://${sshd.user}@127.0.0.1:${sshd.port}`;
      const { SSH_AUTH_SOCK: _agent, ...env } = sshd.env;
      const result = await execa('node', [BIN, 'run', file, '--host', host], {
        env: {
          ...env,
          ...E2E_ENV,
          PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
          FAULTLINE_STATE_DIR: path.join(dir, 'state'),
        },
        extendEnv: false,
        reject: false,
        all: true,
      });
      done = true;
      await watcher;
      expect(result.all).toContain(`engine ${host} (from --host)`);
      expect(result.exitCode).toBe(0);
      expect(sawPaused).toBe(true);
      expect(await inspectState(target.name)).toMatchObject({ paused: false, running: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
