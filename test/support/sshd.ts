import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { freePort } from './ports.js';

/**
 * A private OpenSSH server on 127.0.0.1:<free port>, run as a child process with its own config, host
 * key and authorized_keys in a temp dir (no system service, nothing under /etc/ssh), plus an ssh client
 * setup for it: `sshCommand` is a small wrapper that runs `ssh -F <config>` (ssh reads ~/.ssh from the
 * password database, not from $HOME, so a temp HOME would not do).
 */
export interface TestSshd {
  port: number;
  user: string;
  /** Runs ssh with a config that offers the authorized key and accepts the new host key. */
  sshCommand: string;
  /** The same, offering a key that is not authorized. */
  wrongKeySshCommand: string;
  /** The pids of the ssh processes `sshCommand` has started, oldest first. */
  sshPids(): Promise<number[]>;
  /** An environment without SSH_AUTH_SOCK, so a developer's ssh-agent cannot help or interfere. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'];

/** sshd must be run with its absolute path (it re-executes itself). */
export function findSshd(): string | undefined {
  return SSHD_CANDIDATES.find((candidate) => existsSync(candidate));
}

async function keygen(file: string): Promise<void> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'faultline-test', '-f', file]);
}

async function clientSetup(dir: string, name: string, port: number, key: string): Promise<string> {
  const config = path.join(dir, `${name}.config`);
  await writeFile(
    config,
    [
      'Host 127.0.0.1',
      `  Port ${port}`,
      `  IdentityFile ${key}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      '  StrictHostKeyChecking accept-new',
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      '  LogLevel ERROR',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const wrapper = path.join(dir, `${name}.sh`);
  // Each connection appends the pid of its ssh process, so tests can count and watch them.
  await writeFile(wrapper, `#!/bin/sh\necho $$ >>'${wrapper}.pids'\nexec ssh -F '${config}' "$@"\n`);
  await chmod(wrapper, 0o755);
  return wrapper;
}

export async function startSshd(sshd: string): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fl-sshd-'));
  const user = userInfo().username;
  const port = await freePort();
  await keygen(path.join(dir, 'host_key'));
  await keygen(path.join(dir, 'client_key'));
  await keygen(path.join(dir, 'wrong_key'));
  const publicKey = await readFile(path.join(dir, 'client_key.pub'), 'utf8');
  await writeFile(path.join(dir, 'authorized_keys'), publicKey, { mode: 0o600 });
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      // The temp dir is under the world-writable /tmp, which StrictModes would reject.
      'StrictModes no',
      `AllowUsers ${user}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // A root sshd needs its privilege separation directory, which the system service would create.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  await listening(child, port);

  const env = { ...process.env };
  delete env.SSH_AUTH_SOCK;
  return {
    port,
    user,
    sshCommand: await clientSetup(dir, 'client', port, path.join(dir, 'client_key')),
    wrongKeySshCommand: await clientSetup(dir, 'wrong', port, path.join(dir, 'wrong_key')),
    env,
    async sshPids() {
      const text = await readFile(`${path.join(dir, 'client.sh')}.pids`, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map(Number);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once sshd logs that it listens; rejects with its log if it exits or takes over 10 s. */
function listening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail('did not listen within 10 s'), 10_000);
    function fail(reason: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`sshd ${reason}:\n${log}`));
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => fail(`exited with code ${code}`));
  });
}
