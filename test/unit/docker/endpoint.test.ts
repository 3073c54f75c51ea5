import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { describeEndpoint, EndpointError, resolveEndpoint } from '../../../src/docker/endpoint.js';
import { InvalidInputError } from '../../../src/errors.js';

let config: string;

beforeEach(() => {
  config = mkdtempSync(path.join(tmpdir(), 'faultline-docker-config-'));
});
afterEach(() => rmSync(config, { recursive: true, force: true }));

/** Writes a context the way `docker context create` stores it. */
function context(name: string, host: string, tls?: { files?: string[]; skipVerify?: boolean }): void {
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = path.join(config, 'contexts', 'meta', digest);
  mkdirSync(meta, { recursive: true });
  writeFileSync(
    path.join(meta, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: tls?.skipVerify ?? false } },
    }),
  );
  if (tls?.files) {
    const dir = path.join(config, 'contexts', 'tls', digest, 'docker');
    mkdirSync(dir, { recursive: true });
    for (const file of tls.files) writeFileSync(path.join(dir, file), 'pem');
  }
}

function current(name: string): void {
  writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: config, ...extra });

describe('resolveEndpoint: the order the docker CLI uses', () => {
  it('falls back to the default socket', () => {
    expect(resolveEndpoint({}, env())).toEqual({ host: 'unix:///var/run/docker.sock', source: 'default' });
  });

  it('uses the current context from config.json', () => {
    context('second', 'unix:///run/second.sock');
    current('second');
    expect(resolveEndpoint({}, env())).toMatchObject({
      host: 'unix:///run/second.sock',
      source: 'config.json',
      context: 'second',
    });
  });

  it('DOCKER_CONTEXT wins over config.json', () => {
    context('second', 'unix:///run/second.sock');
    context('third', 'unix:///run/third.sock');
    current('second');
    expect(resolveEndpoint({}, env({ DOCKER_CONTEXT: 'third' }))).toMatchObject({
      host: 'unix:///run/third.sock',
      source: 'DOCKER_CONTEXT',
      context: 'third',
    });
  });

  it('DOCKER_HOST wins over DOCKER_CONTEXT and config.json', () => {
    context('second', 'unix:///run/second.sock');
    current('second');
    expect(
      resolveEndpoint({}, env({ DOCKER_CONTEXT: 'second', DOCKER_HOST: 'unix:///run/env.sock' })),
    ).toEqual({ host: 'unix:///run/env.sock', source: 'DOCKER_HOST' });
  });

  it('--context wins over DOCKER_HOST; --host wins over everything', () => {
    context('second', 'unix:///run/second.sock');
    const all = env({ DOCKER_CONTEXT: 'x', DOCKER_HOST: 'unix:///run/env.sock' });
    expect(resolveEndpoint({ context: 'second' }, all)).toMatchObject({
      host: 'unix:///run/second.sock',
      source: '--context',
    });
    expect(resolveEndpoint({ host: 'unix:///run/flag.sock' }, all)).toEqual({
      host: 'unix:///run/flag.sock',
      source: '--host',
    });
  });

  it('refuses --host together with --context, as docker does', () => {
    expect(() => resolveEndpoint({ host: 'unix:///a', context: 'b' }, env())).toThrow(InvalidInputError);
  });

  it('the context named default is DOCKER_HOST or the socket', () => {
    current('default');
    expect(resolveEndpoint({}, env())).toMatchObject({
      host: 'unix:///var/run/docker.sock',
      context: 'default',
    });
    expect(
      resolveEndpoint({ context: 'default' }, env({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })),
    ).toMatchObject({ host: 'tcp://127.0.0.1:2375', context: 'default', source: '--context' });
  });
});

describe('resolveEndpoint: contexts store', () => {
  it('reads TLS material next to the context', () => {
    context('tls', 'tcp://127.0.0.1:2376', { files: ['ca.pem', 'cert.pem', 'key.pem'] });
    const endpoint = resolveEndpoint({ context: 'tls' }, env());
    const dir = path.join(
      config,
      'contexts',
      'tls',
      createHash('sha256').update('tls').digest('hex'),
      'docker',
    );
    expect(endpoint.tls).toEqual({
      ca: path.join(dir, 'ca.pem'),
      cert: path.join(dir, 'cert.pem'),
      key: path.join(dir, 'key.pem'),
      verify: true,
    });
    expect(describeEndpoint(endpoint)).toBe('tcp://127.0.0.1:2376 (context tls from --context, TLS)');
  });

  it('honours skip-tls-verify', () => {
    context('insecure', 'tcp://127.0.0.1:2376', { files: ['ca.pem'], skipVerify: true });
    expect(resolveEndpoint({ context: 'insecure' }, env()).tls?.verify).toBe(false);
  });

  it('a context that does not exist is an error naming it and the store, never the default socket', () => {
    let error: unknown;
    try {
      resolveEndpoint({}, env({ DOCKER_CONTEXT: 'gone' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as Error).message).toBe(
      `Docker context "gone" (from DOCKER_CONTEXT) does not exist in ${path.join(config, 'contexts')}`,
    );
  });

  it('a config.json that is not JSON is an error, not the default socket', () => {
    writeFileSync(path.join(config, 'config.json'), '{ "currentContext": ');
    expect(() => resolveEndpoint({}, env())).toThrow(/config\.json is not valid JSON/);
  });

  it('a context without a docker endpoint is an error', () => {
    const digest = createHash('sha256').update('k8s').digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', digest), { recursive: true });
    writeFileSync(
      path.join(config, 'contexts', 'meta', digest, 'meta.json'),
      '{"Name":"k8s","Endpoints":{}}',
    );
    expect(() => resolveEndpoint({ context: 'k8s' }, env())).toThrow(/has no Docker endpoint/);
  });
});

describe('resolveEndpoint: host values', () => {
  it.each([
    ['unix:///var/run/docker.sock', 'unix:///var/run/docker.sock'],
    ['unix://', 'unix:///var/run/docker.sock'],
    ['tcp://127.0.0.1:2375', 'tcp://127.0.0.1:2375'],
    ['tcp://127.0.0.1', 'tcp://127.0.0.1:2375'],
    ['127.0.0.1:2376', 'tcp://127.0.0.1:2376'],
    ['tcp://[::1]:2376', 'tcp://[::1]:2376'],
    ['ssh://user@host', 'ssh://user@host'],
    ['ssh://user@host:2222', 'ssh://user@host:2222'],
    ['npipe:////./pipe/docker_engine', 'npipe:////./pipe/docker_engine'],
  ])('accepts %j as %j', (value, host) => {
    expect(resolveEndpoint({}, env({ DOCKER_HOST: value })).host).toBe(host);
  });

  it.each(['bogus://x', 'http://127.0.0.1:2375', 'fd://', '://x', 'tcp://', 'tcp://host:2375/path'])(
    'refuses %j with exit 3 before connecting',
    (value) => {
      let error: unknown;
      try {
        resolveEndpoint({}, env({ DOCKER_HOST: value }));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(EndpointError);
      expect(error).toMatchObject({ code: 'DOCKER_HOST_INVALID', exitCode: 3 });
      expect((error as Error).message).toMatch(
        new RegExp(`^DOCKER_HOST=${value.replace(/[/.*?[\]]/g, '\\$&')}`),
      );
    },
  );

  it('DOCKER_TLS_VERIFY takes ca, cert and key from DOCKER_CERT_PATH', () => {
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(config, file), 'pem');
    const endpoint = resolveEndpoint(
      {},
      env({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: config }),
    );
    expect(endpoint.tls).toEqual({
      ca: path.join(config, 'ca.pem'),
      cert: path.join(config, 'cert.pem'),
      key: path.join(config, 'key.pem'),
      verify: true,
    });
  });

  it('DOCKER_TLS_VERIFY without a ca.pem is an error naming the folder', () => {
    expect(() =>
      resolveEndpoint(
        {},
        env({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: config }),
      ),
    ).toThrow(`there is no ca.pem in ${config}`);
  });

  it('the client made for an unreadable TLS file fails with a clear error', () => {
    expect(() =>
      createDockerClient({
        host: 'tcp://127.0.0.1:2376',
        source: '--host',
        tls: { ca: path.join(config, 'missing.pem'), verify: true },
      }),
    ).toThrow(/cannot use the Docker endpoint tcp:\/\/127\.0\.0\.1:2376 \(from --host, TLS\): ENOENT/);
  });
});
