import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerodeOverSsh, sshAgent } from '../../../src/docker/ssh-agent.js';
import { SshEndpointError, sshArgv, sshDestination } from '../../../src/docker/ssh-command.js';
import { SshConnectionError } from '../../../src/docker/ssh-socket.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const argv = (url: string) => sshArgv(sshDestination(new URL(url)));
const DIAL = ['docker', 'system', 'dial-stdio'];

describe('the ssh command line for an ssh:// endpoint', () => {
  it('is the docker CLI one: a connect timeout, no terminal, the host after --', () => {
    expect(argv('ssh://build-host')).toEqual(['-o', 'ConnectTimeout=30', '-T', '--', 'build-host', ...DIAL]);
  });

  it('gives the user with -l and the port with -p', () => {
    expect(argv('ssh://deploy@build-host:2222')).toEqual([
      '-o',
      'ConnectTimeout=30',
      '-T',
      '-l',
      'deploy',
      '-p',
      '2222',
      '--',
      'build-host',
      ...DIAL,
    ]);
  });

  it('passes an IPv6 host without its brackets', () => {
    expect(argv('ssh://root@[::1]:22')).toEqual([
      '-o',
      'ConnectTimeout=30',
      '-T',
      '-l',
      'root',
      '-p',
      '22',
      '--',
      '::1',
      ...DIAL,
    ]);
    expect(sshDestination(new URL('ssh://root@[::1]:22')).shown).toBe('root@[::1]:22');
  });

  it('decodes a percent-encoded user', () => {
    expect(argv('ssh://first.last%40corp@host')).toContain('first.last@corp');
  });

  it.each([
    ['ssh://host/var/run/docker.sock', 'unexpected path "/var/run/docker.sock" after the host'],
    ['ssh://host/', 'unexpected path "/" after the host'],
    ['ssh://host?socket=x', 'unexpected query "?socket=x" after the host'],
    ['ssh://host#x', 'unexpected fragment "#x" after the host'],
    ['ssh://deploy:secret@host', 'a password in the URL is not supported'],
    ['ssh://-oProxyCommand=touch%20pwned', 'the host may not start with "-"'],
    ['ssh://-oProxyCommand=x@host', 'the user may not start with "-"'],
    ['ssh://', 'no host after ssh://'],
    ['tcp://host:2375', 'expected an ssh:// URL'],
  ])('refuses %s: %s', (url, reason) => {
    let caught: unknown;
    try {
      sshDestination(new URL(url));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SshEndpointError);
    expect((caught as SshEndpointError).code).toBe('DOCKER_SSH_URL_INVALID');
    expect((caught as SshEndpointError).exitCode).toBe(3);
    expect((caught as Error).message).toContain(`is not an ssh:// Docker endpoint: ${reason}`);
    expect((caught as Error).message).not.toContain('secret');
    expect((caught as SshEndpointError).hint).toContain('ssh://[user@]host[:port]');
  });

  it('is checked when the agent is made, before anything runs', () => {
    expect(() => sshAgent(new URL('ssh://host/path'))).toThrow(SshEndpointError);
  });
});

/**
 * Stand-ins for the ssh program (the real one is exercised against a real sshd in
 * test/integration/ssh-endpoint.test.ts): one that relays a tiny HTTP server over stdin/stdout as
 * `docker system dial-stdio` would, one that fails the way ssh does.
 */
describe('connections through the ssh process', () => {
  let dir: string;
  let serving: string;
  let unresolvable: string;
  let silent: string;
  const agents: http.Agent[] = [];

  async function script(name: string, body: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, `#!${process.execPath}\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-ssh-unit-'));
    serving = await script(
      'serving',
      `let buffer = '';
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\\r\\n\\r\\n')) !== -1) {
    const path = buffer.slice(0, end).split(' ')[1];
    buffer = buffer.slice(end + 4);
    const body = JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), path });
    setTimeout(() => process.stdout.write('HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body), Number(path.split('delay=')[1] ?? 0));
  }
});`,
    );
    unresolvable = await script(
      'unresolvable',
      `process.stderr.write('ssh: Could not resolve hostname nope.invalid: Name or service not known\\r\\n'); process.exit(255);`,
    );
    silent = await script('silent', 'process.exit(0);');
  });

  afterAll(async () => {
    for (const agent of agents) agent.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  function get(
    agent: http.Agent,
    requestPath: string,
  ): Promise<{ pid: number; argv: string[]; path: string }> {
    return new Promise((resolve, reject) => {
      const request = http.get({ host: 'localhost', port: 80, path: requestPath, agent }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        response.on('end', () => resolve(JSON.parse(text)));
      });
      request.on('error', reject);
    });
  }

  function make(url: string, sshCommand: string, idleMs?: number): http.Agent {
    const agent = sshAgent(new URL(url), { sshCommand, ...(idleMs === undefined ? {} : { idleMs }) });
    agents.push(agent);
    return agent;
  }

  it('speaks HTTP over the process and keeps it for the next request', async () => {
    const agent = make('ssh://deploy@build-host:2222', serving);
    const first = await get(agent, '/_ping');
    const second = await get(agent, '/containers/json');
    const third = await get(agent, '/version');
    expect(first.argv).toEqual(argv('ssh://deploy@build-host:2222'));
    expect([first.path, second.path, third.path]).toEqual(['/_ping', '/containers/json', '/version']);
    expect(new Set([first.pid, second.pid, third.pid]).size).toBe(1);
    // Many requests on one connection leave no listener behind on it.
    for (let i = 0; i < 20; i++) await get(agent, `/r${i}`);
    const [pooled] = Object.values(agent.freeSockets).flat();
    expect(pooled?.listenerCount('timeout')).toBeLessThanOrEqual(1);
  });

  it('does not cut a slow answer, and ends an idle connection (its ssh process) after the idle time', async () => {
    const agent = make('ssh://host', serving, 200);
    const slow = await get(agent, '/containers/x/stop?delay=600');
    expect(slow.path).toBe('/containers/x/stop?delay=600');
    await waitUntil(() => !alive(slow.pid), 3_000);
    const next = await get(agent, '/_ping');
    expect(next.pid).not.toBe(slow.pid);
  });

  it('runs at most 8 ssh processes at once; more requests wait for one', async () => {
    const agent = make('ssh://host', serving);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => get(agent, `/r${i}?delay=200`)));
    expect(answers.map((answer) => answer.path)).toEqual(
      Array.from({ length: 12 }, (_, i) => `/r${i}?delay=200`),
    );
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(8);
  });

  it('carries dockerode requests, whatever DOCKER_HOST says', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'ssh://someone@elsewhere:2200';
    try {
      const docker = dockerodeOverSsh(new URL('ssh://deploy@build-host:2222'), { sshCommand: serving });
      agents.push((docker.modem as unknown as { agent: http.Agent }).agent);
      const answer = (await docker.ping()) as unknown as { argv: string[]; path: string };
      expect(answer.path).toBe('/_ping');
      expect(answer.argv).toEqual(argv('ssh://deploy@build-host:2222'));
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it("fails with ssh's own words when ssh exits before the Engine answered", async () => {
    const error = await get(make('ssh://nope.invalid', unresolvable), '/_ping').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SshConnectionError);
    expect((error as Error).message).toBe(
      'cannot reach the Docker Engine over ssh at nope.invalid: ssh exited with code 255 before the Docker Engine answered: ssh: Could not resolve hostname nope.invalid: Name or service not known',
    );
    expect((error as SshConnectionError).hint).toContain(`\`${unresolvable} nope.invalid docker version\``);
  });

  it('fails, rather than waiting, when ssh exits cleanly without an answer', async () => {
    const error = await get(make('ssh://host', silent), '/_ping').catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('ssh exited with code 0 before the Docker Engine answered');
  });

  it('says so when the ssh program does not exist', async () => {
    const missing = path.join(dir, 'no-such-ssh');
    const error = await get(make('ssh://host', missing), '/_ping').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SshConnectionError);
    expect((error as Error).message).toContain(`the ssh program (${missing}) was not found`);
  });
});
