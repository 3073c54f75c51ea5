import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { findComposeFile, parseComposeText } from '../../../src/init/compose-file.js';
import { translateComposeValue } from '../../../src/init/compose-value.js';
import { publishedPort } from '../../../src/init/ports.js';
import { projectName } from '../../../src/init/project-name.js';
import { composeFacts } from '../../../src/init/services.js';
import { writeStarter } from '../../../src/init/write-starter.js';

function errorOf(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an error');
}

describe('ports from compose', () => {
  it.each([
    ['8080:80', { host: '127.0.0.1', port: '8080', containerPort: 80 }],
    ['127.0.0.1:8001:8001', { host: '127.0.0.1', port: '8001', containerPort: 8001 }],
    ['0.0.0.0:9000:90/tcp', { host: '127.0.0.1', port: '9000', containerPort: 90 }],
    ['[::1]:6001:6001', { host: '::1', port: '6001', containerPort: 6001 }],
    [
      '127.0.0.1:${WEB_PORT:-18080}:8080',
      { host: '127.0.0.1', port: '${env:WEB_PORT:-18080}', containerPort: 8080 },
    ],
    [
      { target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' },
      { host: '127.0.0.1', port: '8080', containerPort: 80 },
    ],
    [
      { target: 5432, published: 15432, host_ip: '127.0.0.1' },
      { host: '127.0.0.1', port: '15432', containerPort: 5432 },
    ],
  ])('reads %j', (entry, port) => {
    expect(publishedPort(entry)).toEqual({ port });
  });

  it.each([
    ['3000', '3000: no fixed host port (Docker picks one)'],
    [3000, '3000: no fixed host port (Docker picks one)'],
    ['9090-9091:8080-8081', '9090-9091:8080-8081: a port range'],
    ['6060:6060/udp', '6060:6060/udp: not TCP'],
    ['${PORT}:80', '${PORT}:80: the host port is ${PORT}, with no default to fall back on'],
    [{ target: 80 }, '{"target":80}: no fixed host port (Docker picks one)'],
    [{ target: 80, published: '8000-8010' }, '{"target":80,"published":"8000-8010"}: a port range'],
  ])('skips %j, saying why', (entry, skipped) => {
    expect(publishedPort(entry)).toEqual({ skipped });
  });
});

describe('compose values', () => {
  it('carries a default over as ${env:...:-...} and refuses a variable without one', () => {
    expect(translateComposeValue('${A:-x}/${B-y}')).toEqual({ text: '${env:A:-x}/${env:B:-y}' });
    expect(translateComposeValue('cost $$5 ${A}')).toEqual({ unresolved: '${A}' });
    expect(translateComposeValue('echo $$HOME')).toEqual({ text: 'echo $HOME' });
    expect(translateComposeValue('$${A}')).toEqual({ text: '$${A}' });
    expect(translateComposeValue('$$${A:-1}')).toEqual({ unresolved: '$$${...}' });
  });
});

describe('reading a compose file', () => {
  it('names file:line:column for malformed YAML', () => {
    const error = errorOf(() => parseComposeText('services:\n  web:\n    image: [nginx\n', 'compose.yaml'));
    expect(error.code).toBe('COMPOSE_INVALID');
    expect(error.message).toMatch(/^compose\.yaml:4:1: YAML syntax: /);
  });

  it('refuses a file with no services', () => {
    const error = errorOf(() => parseComposeText('version: "3"\nservices: {}\n', 'compose.yaml'));
    expect(error.code).toBe('COMPOSE_NO_SERVICES');
    expect(error.message).toBe('compose.yaml defines no service');
  });

  it('refuses services that are not a mapping, at their line', () => {
    const error = errorOf(() => parseComposeText('name: shop\nservices:\n  - web\n', 'compose.yaml'));
    expect(error.message).toBe(
      'compose.yaml:3:3: `services` must be a mapping of service names to their definitions',
    );
  });

  it('reads version 1 files (services at the top level) and merge keys', () => {
    const compose = parseComposeText(
      'x-base: &base\n  healthcheck: { test: "curl -f http://localhost:3000/up" }\nweb:\n  <<: *base\n  ports: ["3000:3000"]\n',
      'docker-compose.yml',
    );
    const facts = composeFacts(compose);
    expect(facts.services).toEqual([
      {
        name: 'web',
        ports: [
          {
            host: '127.0.0.1',
            port: '3000',
            containerPort: 3000,
            http: { path: '/up', why: 'its healthcheck fetches this URL' },
          },
        ],
        healthcheck: ['sh', '-c', 'curl -f http://localhost:3000/up'],
      },
    ]);
  });

  it('says which names it looked for when a folder has no compose file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'faultline-init-'));
    await expect(findComposeFile(dir)).rejects.toThrow(
      'looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml',
    );
  });
});

describe('writeStarter', () => {
  it('writes an experiment that validates, and leaves an existing file alone without --force', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'faultline-init-'));
    const compose = path.join(dir, 'compose.yaml');
    await writeFile(
      compose,
      'name: shop\nservices:\n  db:\n    image: postgres\n  web:\n    image: nginx\n    ports: ["8080:80"]\n',
    );
    const out = path.join(dir, 'experiments');
    const result = await writeStarter(compose, out, false);
    expect(result.experiment).toBe(path.join(out, 'shop.yaml'));
    const text = await readFile(result.experiment, 'utf8');
    const { experiment } = parseExperiment(text, result.experiment, {});
    expect(experiment.scope?.compose).toBe('shop');
    expect(experiment.hypothesis.map((probe) => probe.http?.url)).toEqual(['http://127.0.0.1:8080/']);
    expect(experiment.method).toEqual([{ kind: 'pause', spec: expect.objectContaining({ duration: 5000 }) }]);
    expect(text).toContain('  # - pause:\n  #     target: { service: "web" }');

    // The same content again is no change; other content is refused, then replaced with force.
    expect((await writeStarter(compose, out, false)).unchanged).toHaveLength(2);
    await writeFile(result.experiment, 'title: mine\n');
    await expect(writeStarter(compose, out, false)).rejects.toThrow(`${result.experiment} exists`);
    expect(await readFile(result.experiment, 'utf8')).toBe('title: mine\n');
    await writeStarter(compose, out, true);
    expect(await readFile(result.experiment, 'utf8')).toBe(text);
  });
});

describe('the project name', () => {
  it('is the compose name, else the folder name as docker compose derives it', () => {
    expect(projectName('shop', '/x/compose.yaml')).toEqual({ text: 'shop', plain: 'shop', from: 'name' });
    expect(projectName('${PROJECT:-shop}', '/x/compose.yaml')).toEqual({
      text: '${env:PROJECT:-shop}',
      plain: 'shop',
      from: 'name',
    });
    expect(projectName(undefined, '/work/_My App.v2/compose.yaml')).toEqual({
      text: 'myappv2',
      plain: 'myappv2',
      from: 'folder',
    });
    expect(projectName(undefined, '/work/...//compose.yaml')).toBeUndefined();
  });
});

describe('writing into a folder that cannot be one', () => {
  it('is an invalid-input error naming --out, not a crash', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'faultline-init-'));
    const compose = path.join(dir, 'compose.yaml');
    await writeFile(compose, 'services:\n  web:\n    image: nginx\n');
    const error = await writeStarter(compose, compose, false).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toMatch(/^cannot write into .*compose\.yaml: /);
  });
});

describe('which ports get an HTTP probe', () => {
  it('a healthcheck fetching http:// on the port, or a usual HTTP port; never an https:// one', () => {
    const compose = parseComposeText(
      `services:
  api:
    ports: ["9443:8443", "18080:8080", "15432:5432", "19999:9999"]
    healthcheck: { test: ["CMD", "curl", "-fk", "https://localhost:8443/health"] }
  admin:
    ports: ["19998:9998"]
    healthcheck: { test: "wget -qO- http://127.0.0.1:9998/ready" }
`,
      'compose.yaml',
    );
    const http = composeFacts(compose).services.flatMap((service) =>
      service.ports.map((port) => [service.name, port.containerPort, port.http?.path ?? 'tcp']),
    );
    expect(http).toEqual([
      ['api', 8443, 'tcp'],
      ['api', 8080, '/'],
      ['api', 5432, 'tcp'],
      ['api', 9999, 'tcp'],
      ['admin', 9998, '/ready'],
    ]);
  });
});
