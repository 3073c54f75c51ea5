import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from './containers.js';
import { FIXTURE_IMAGE, docker as firstEngine, TEST_LABEL } from './docker-cli.js';

/** Certificates for a TLS listener on loopback: a CA, a server certificate for 127.0.0.1, a client. */
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
export async function makeCertificates(dir: string, caName = 'faultline test CA'): Promise<Certificates> {
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
    'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n',
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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
  ) {}

  get unixHost(): string {
    return `unix://${this.socket}`;
  }

  get tcpHost(): string {
    return `tcp://127.0.0.1:${this.tcpPort}`;
  }

  static async start(): Promise<SecondEngine> {
    // Short: a unix socket path must stay under 108 bytes.
    const root = `/tmp/fl-e2-${randomBytes(3).toString('hex')}`;
    mkdirSync(root, { recursive: true });
    const certs = await makeCertificates(path.join(root, 'certs'));
    const socket = path.join(root, 'docker.sock');
    const tcpPort = await freePort();
    writeFileSync(path.join(root, 'daemon.json'), '{}\n');
    const log = openSync(path.join(root, 'dockerd.log'), 'a');
    const child = spawn(
      'dockerd',
      [
        '--config-file',
        path.join(root, 'daemon.json'),
        '-H',
        `unix://${socket}`,
        '-H',
        `tcp://127.0.0.1:${tcpPort}`,
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
    const engine = new SecondEngine(root, socket, tcpPort, certs, child);
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
      await engine.stop();
      throw new Error(
        `${(error as Error).message}\n${readFileSync(path.join(root, 'dockerd.log'), 'utf8').slice(-2000)}`,
      );
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
    await this.docker('rm', '-f', ...(await this.docker('ps', '-aq')).split('\n').filter(Boolean)).catch(
      () => undefined,
    );
    this.process.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await execa('umount', ['-R', path.join(this.root, 'data')], { reject: false });
    await execa('umount', ['-R', path.join(this.root, 'x')], { reject: false });
    rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
  }
}
