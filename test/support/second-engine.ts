import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from './containers.js';
import { FIXTURE_IMAGE, docker as firstEngine, TEST_LABEL } from './docker-cli.js';

/** Certificates for a TLS listener: a CA, a server certificate for one IP address, a client. */
export interface Certificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  cert: string;
  key: string;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const result = await execa('openssl', args, { cwd, reject: false });
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** Makes a CA and server/client certificates with openssl (as Docker's TLS guide does). */
export async function makeCertificates(
  dir: string,
  caName = 'faultline test CA',
  serverIp = '127.0.0.1',
): Promise<Certificates> {
  mkdirSync(dir, { recursive: true });
  const days = ['-days', '2'];
  await openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-subj',
    `/CN=${caName}`,
    ...days,
  );
  writeFileSync(
    path.join(dir, 'server.ext'),
    `subjectAltName = IP:${serverIp}\nextendedKeyUsage = serverAuth\n`,
  );
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage = clientAuth\n');
  for (const [name, subject] of [
    ['server', '/CN=127.0.0.1'],
    ['client', '/CN=faultline client'],
  ] as const) {
    await openssl(
      dir,
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    );
    await openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}-cert.pem`,
      '-extfile',
      `${name}.ext`,
      ...days,
    );
  }
  // The names the docker CLI looks for in DOCKER_CERT_PATH.
  writeFileSync(path.join(dir, 'cert.pem'), readFileSync(path.join(dir, 'client-cert.pem')));
  writeFileSync(path.join(dir, 'key.pem'), readFileSync(path.join(dir, 'client-key.pem')));
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    serverCert: path.join(dir, 'server-cert.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
  };
}

/**
 * A second, real Docker Engine beside the first: its own socket, data root, exec root and containerd,
 * no bridge and no iptables (two engines managing one network namespace collide), and a TLS TCP
 * listener on loopback. The fixture image is copied into it from the first engine.
 */
export class SecondEngine {
  private constructor(
    readonly root: string,
    readonly socket: string,
    readonly tcpPort: number,
    readonly certs: Certificates,
    private readonly process: ChildProcess,
    private readonly netns: NetnsLink,
  ) {}

  get unixHost(): string {
    return `unix://${this.socket}`;
  }

  get tcpHost(): string {
    return `tcp://${this.netns.innerIp}:${this.tcpPort}`;
  }

  static async start(): Promise<SecondEngine> {
    const tag = randomBytes(3).toString('hex');
    // Short: a unix socket path must stay under 108 bytes.
    const root = `/tmp/fl-e2-${tag}`;
    mkdirSync(root, { recursive: true });
    // Its own network namespace: an engine without a bridge deletes docker0 in the namespace it runs
    // in, and two engines in one namespace fight over iptables. The host reaches it over a veth pair.
    const netns = await NetnsLink.create(tag);
    const certs = await makeCertificates(path.join(root, 'certs'), 'faultline test CA', netns.innerIp);
    const socket = path.join(root, 'docker.sock');
    const tcpPort = 2376;
    writeFileSync(path.join(root, 'daemon.json'), '{}\n');
    const log = openSync(path.join(root, 'dockerd.log'), 'a');
    // nsenter joins only the network namespace (`ip netns exec` would also remount /sys, hiding the
    // cgroup mounts dockerd needs).
    const child = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${netns.name}`,
        '--',
        'dockerd',
        '--config-file',
        path.join(root, 'daemon.json'),
        '-H',
        `unix://${socket}`,
        '-H',
        `tcp://${netns.innerIp}:${tcpPort}`,
        '--tlsverify',
        '--tlscacert',
        certs.ca,
        '--tlscert',
        certs.serverCert,
        '--tlskey',
        certs.serverKey,
        '--data-root',
        path.join(root, 'data'),
        '--exec-root',
        path.join(root, 'x'),
        '--pidfile',
        path.join(root, 'docker.pid'),
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
      ],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
      },
    );
    const engine = new SecondEngine(root, socket, tcpPort, certs, child, netns);
    try {
      await waitFor(
        'the second Docker Engine',
        async () => (await engine.docker('version', '--format', '{{.Server.Version}}')) !== '',
        60_000,
      );
      const saved = path.join(root, 'fixture.tar');
      await firstEngine('save', '-o', saved, FIXTURE_IMAGE);
      await engine.docker('load', '-i', saved);
      rmSync(saved, { force: true });
    } catch (error) {
      const log = readFileSync(path.join(root, 'dockerd.log'), 'utf8').slice(-2000);
      await engine.stop();
      throw new Error(`${(error as Error).message}\n${log}`);
    }
    return engine;
  }

  /** The docker CLI against this engine, over its unix socket. */
  async docker(...args: string[]): Promise<string> {
    const result = await execa('docker', ['-H', this.unixHost, ...args], {
      reject: false,
      env: { DOCKER_CONFIG: path.join(this.root, 'cli') },
    });
    if (result.exitCode !== 0)
      throw new Error(`docker -H ${this.unixHost} ${args.join(' ')}: ${result.stderr || result.stdout}`);
    return result.stdout.trim();
  }

  /** A fixture container on this engine (no network: this engine has no bridge). */
  async run(name: string): Promise<string> {
    return this.docker(
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--label',
      `${TEST_LABEL}=second-engine`,
      '--stop-timeout',
      '1',
      FIXTURE_IMAGE,
      '/app/backend.mjs',
    );
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    // Its containers go with it: without live-restore, a stopping engine stops them.
    const ids = await this.docker('ps', '-aq').catch(() => '');
    if (ids) await this.docker('rm', '-f', ...ids.split('\n')).catch(() => undefined);
    this.process.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await execa('umount', ['-R', path.join(this.root, 'data')], { reject: false });
    await execa('umount', ['-R', path.join(this.root, 'x')], { reject: false });
    rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    await this.netns.remove();
  }
}

/** A network namespace of the tests' own, joined to the host by a veth pair on a private /30. */
class NetnsLink {
  private constructor(
    readonly name: string,
    readonly hostIp: string,
    readonly innerIp: string,
  ) {}

  static async create(tag: string): Promise<NetnsLink> {
    const name = `fl-e2-${tag}`;
    // 10.201.<n>.0/30: a private range, different for each engine started.
    const n = Number.parseInt(tag.slice(0, 2), 16);
    const link = new NetnsLink(name, `10.201.${n}.1`, `10.201.${n}.2`);
    const ip = async (...args: string[]) => {
      const result = await execa('ip', args, { reject: false });
      if (result.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
    };
    await ip('netns', 'add', name);
    try {
      await ip('link', 'add', `fle2h${tag}`, 'type', 'veth', 'peer', 'name', `fle2n${tag}`);
      await ip('link', 'set', `fle2n${tag}`, 'netns', name);
      await ip('addr', 'add', `${link.hostIp}/30`, 'dev', `fle2h${tag}`);
      await ip('link', 'set', `fle2h${tag}`, 'up');
      await ip('-n', name, 'addr', 'add', `${link.innerIp}/30`, 'dev', `fle2n${tag}`);
      await ip('-n', name, 'link', 'set', `fle2n${tag}`, 'up');
      await ip('-n', name, 'link', 'set', 'lo', 'up');
    } catch (error) {
      await link.remove();
      throw error;
    }
    return link;
  }

  async remove(): Promise<void> {
    // Deleting the namespace deletes its end of the pair, and with it the host's end.
    await execa('ip', ['netns', 'delete', this.name], { reject: false });
    await execa('ip', ['link', 'delete', `fle2h${this.name.slice('fl-e2-'.length)}`], { reject: false });
  }
}
