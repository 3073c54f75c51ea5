import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../../support/cli.js';

/**
 * What the built CLI loads: a command loads only what it uses. Each run records, through a module
 * loader hook, every file Node loads as a module; dockerode is loaded on the first Engine call, execa
 * when a process is first run, and neither by a command that does neither.
 */
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_MODULES_FILE, url + '\\n');
  return next(url, context);
}
`;
const EXPERIMENT = 'experiments/checkout-survives-backend-blackhole.yaml';
/** Packages a command that neither calls the Engine nor runs a process must not load. */
const HEAVY = /\/node_modules\/(dockerode|docker-modem|ssh2|@grpc|protobufjs|execa|ora)\//;

let dir: string;
let register: string;
let runs = 0;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-loaded-'));
  await writeFile(path.join(dir, 'hooks.mjs'), HOOKS);
  register = path.join(dir, 'register.mjs');
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs bin/faultline.js with `args`; returns its exit code and the modules it loaded. */
async function loaded(args: string[]): Promise<{ exitCode: number | undefined; modules: string[] }> {
  runs += 1;
  const file = path.join(dir, `loaded-${runs}.txt`);
  await writeFile(file, '');
  const result = await execa('node', ['--import', register, BIN, ...args], {
    cwd: REPO,
    env: { LOADED_MODULES_FILE: file, NO_COLOR: '1', CI: 'true' },
    reject: false,
  });
  const modules = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return { exitCode: result.exitCode, modules };
}

describe('the modules a command loads', () => {
  it('validate loads neither dockerode nor execa nor ora', async () => {
    const { exitCode, modules } = await loaded(['validate', EXPERIMENT]);
    expect(exitCode).toBe(0);
    expect(modules.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it('validate --json, explain, schema and --help load none of them either', async () => {
    for (const args of [['validate', '--json', EXPERIMENT], ['explain', 'pause'], ['schema'], ['--help']]) {
      const { exitCode, modules } = await loaded(args);
      expect({ args, exitCode }).toEqual({ args, exitCode: 0 });
      expect({ args, heavy: modules.filter((url) => HEAVY.test(url)) }).toEqual({ args, heavy: [] });
    }
  }, 60_000);

  it('--version loads only the version, not the CLI', async () => {
    const { exitCode, modules } = await loaded(['--version']);
    expect(exitCode).toBe(0);
    expect(modules.map((url) => path.relative(REPO, new URL(url).pathname))).toEqual([
      'bin/faultline.js',
      'dist/version.js',
    ]);
  });

  it('a command that calls the Engine loads dockerode when it does', async () => {
    const { exitCode, modules } = await loaded(['doctor', '--host', 'unix:///nonexistent/docker.sock']);
    expect(exitCode).toBe(3);
    expect(modules.some((url) => /\/node_modules\/dockerode\//.test(url))).toBe(true);
  }, 30_000);
});
