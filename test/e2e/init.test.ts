import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultline, REPO, tempDir } from '../support/cli.js';

/**
 * `faultline init` as a user runs it: the built CLI on compose files in a temp folder, and every file
 * it writes checked by `faultline validate`. Needs no Docker.
 */

async function initAndValidate(compose: string, name = 'compose.yaml') {
  const dir = await tempDir();
  await writeFile(path.join(dir, name), compose);
  const init = await faultline(['init'], { cwd: dir });
  const validate = await faultline(['validate', 'experiments'], { cwd: dir });
  return { dir, init, validate };
}

const SHAPES: Record<string, string> = {
  'short ports, host:container and ip:host:container': `name: shop
services:
  web:
    image: nginx
    ports: ["8080:80", "127.0.0.1:8443:8443"]
  db:
    image: postgres
    ports:
      - 127.0.0.1:15432:5432
`,
  'long ports, as docker compose config writes them': `name: shop
services:
  web:
    image: nginx
    ports:
      - mode: ingress
        target: 80
        published: "8080"
        protocol: tcp
networks:
  default:
    name: shop_default
`,
  'no ports at all, and expose only': `services:
  worker:
    image: busybox
  cache:
    image: redis
    expose: ["6379"]
`,
  'healthcheck as a string and as a list': `version: "3.8"
services:
  api:
    image: node
    ports: ["3000:3000"]
    healthcheck:
      test: curl -fsS http://localhost:3000/healthz || exit 1
  queue:
    image: rabbitmq
    healthcheck:
      test: ["CMD-SHELL", "rabbitmq-diagnostics -q ping"]
  store:
    image: minio
    healthcheck:
      test: ["CMD", "mc", "ready", "local"]
`,
  'version 1, services at the top level': `web:
  image: nginx
  ports:
    - "80:80"
`,
};

describe('faultline init', () => {
  for (const [shape, compose] of Object.entries(SHAPES)) {
    it(`writes an experiment that validates: ${shape}`, async () => {
      const { init, validate } = await initAndValidate(compose);
      expect(init.exitCode).toBe(0);
      expect(init.stdout).toMatch(/^wrote {5}experiments\/[a-z0-9-]+\.yaml$/m);
      expect(init.stdout).toContain('faultline validate experiments/');
      expect(validate.all).toMatch(/^valid {3}experiments\/[a-z0-9-]+\.yaml {2}/m);
      expect(validate.exitCode).toBe(0);
    });
  }

  it('reads the demo and patterns stacks, carrying ${VAR:-default} ports over', async () => {
    for (const stack of ['demo', 'patterns']) {
      const dir = path.join(await tempDir(), stack);
      await mkdir(dir);
      await cp(path.join(REPO, `fixtures/${stack}/docker-compose.yml`), path.join(dir, 'docker-compose.yml'));
      const init = await faultline(['init', '--out', '.'], { cwd: dir });
      expect(init.exitCode).toBe(0);
      expect(init.stdout).toContain(`project ${stack} (the folder name)`);
      const text = await readFile(path.join(dir, `${stack}.yaml`), 'utf8');
      const port = stack === 'demo' ? 'FAULTLINE_DEMO_PORT:-18080' : 'FAULTLINE_PATTERNS_PORT:-18090';
      expect(text).toContain(`http: { url: "http://127.0.0.1:\${env:${port}}/health" }`);
      const validate = await faultline(['validate', `${stack}.yaml`], { cwd: dir });
      expect(validate.all).toContain(`valid   ${stack}.yaml`);
      expect(validate.exitCode).toBe(0);
    }
  });

  it('notes the ports it cannot probe and still writes the rest', async () => {
    const { init, validate } = await initAndValidate(`services:
  web:
    image: nginx
    ports: ["8080:80", "9000-9001:9000-9001", "\${PORT}:81", "53:53/udp", "3000"]
`);
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain(
      [
        'skipped (faultline cannot probe these as written):',
        '  web: port 9000-9001:9000-9001: a port range',
        '  web: port ${PORT}:81: the host port is ${PORT}, with no default to fall back on',
        '  web: port 53:53/udp: not TCP',
        '  web: port 3000: no fixed host port (Docker picks one)',
      ].join('\n'),
    );
    expect(validate.exitCode).toBe(0);
  });

  it('never overwrites a file without --force', async () => {
    const { dir, init } = await initAndValidate('services:\n  web:\n    image: nginx\n');
    const written = /^wrote {5}(experiments\/\S+\.yaml)$/m.exec(init.stdout)?.[1];
    expect(written).toBeDefined();
    const file = path.join(dir, written!);
    await writeFile(file, 'title: mine\n');
    const again = await faultline(['init'], { cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`${written} exists; faultline init leaves it as it is`);
    expect(again.stderr).toContain('Pass --force to replace it');
    expect(await readFile(file, 'utf8')).toBe('title: mine\n');
    const forced = await faultline(['init', '--force'], { cwd: dir });
    expect(forced.exitCode).toBe(0);
    expect(await readFile(file, 'utf8')).toContain('# yaml-language-server: $schema=./faultline.schema.json');
  });

  it('says what is wrong with a missing, malformed or empty compose file (exit 2)', async () => {
    const dir = await tempDir();
    const missing = await faultline(['init'], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      'no compose file in . (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml)',
    );

    await writeFile(path.join(dir, 'bad.yaml'), 'services:\n  web:\n    ports: [8080:80\n');
    const malformed = await faultline(['init', '--compose', 'bad.yaml'], { cwd: dir });
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toMatch(/bad\.yaml:4:1: YAML syntax: /);

    await writeFile(path.join(dir, 'empty.yaml'), 'version: "3"\nservices:\n');
    const empty = await faultline(['init', '--compose', 'empty.yaml'], { cwd: dir });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('empty.yaml defines no service');
    expect(empty.all).not.toMatch(/\n\s+at /);
  });
});
