import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../../support/cli.js';

/**
 * What the built CLI loads: a command loads only what it uses. The CLI is one bundle (dist/cli/bundle.cjs,
 * with commander, zod, yaml, chalk, dockerode and docker-modem inside), so each run records every ES
 * module Node loads (a loader hook) and every `require` (a hook on Node's CommonJS loader): the bundle
 * requires Node's modules as it runs the parts that need them, and loads execa (import), ssh2 and
 * dockerode's BuildKit parts (require) from node_modules on first use only.
 */
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_MODULES_FILE, url + '\\n');
  return next(url, context);
}
`;
const REQUIRES = `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (request) {
  appendFileSync(process.env.LOADED_MODULES_FILE, 'require:' + request + '\\n');
  return load.apply(this, arguments);
};
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((entry) => entry.startsWith('NativeModule '));
  appendFileSync(process.env.LOADED_MODULES_FILE, builtins.map((entry) => 'builtin:' + entry.slice(13) + '\\n').join(''));
});
`;
const EXPERIMENT = 'experiments/checkout-survives-backend-blackhole.yaml';
/** Node modules docker-modem and dockerode require when they are initialised (on the first Engine call). */
const ENGINE_ONLY = ['require:querystring', 'require:zlib', 'require:https'];
/** Packages faultline loads only for what it rarely does (ssh:// through docker-modem, BuildKit sessions). */
const RARE = /ssh2|@grpc|protobufjs|dockerode\/lib\/(session|buildkit)/;

let dir: string;
let register: string;
let runs = 0;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/bundle.cjs'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-loaded-'));
  await writeFile(path.join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(path.join(dir, 'requires.cjs'), REQUIRES);
  register = path.join(dir, 'register.mjs');
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Loaded {
  exitCode: number | undefined;
  stderr: string;
  /** Files loaded as ES modules, relative to the repository. */
  modules: string[];
  /** What was required (`require:<request>`). */
  required: string[];
  /** Node's own modules loaded by the end, its internal ones included. */
  builtins: string[];
}

/** Runs bin/faultline.js with `args`; returns its exit code, its stderr and what it loaded. */
async function loaded(args: string[], { esmHooks = true } = {}): Promise<Loaded> {
  runs += 1;
  const file = path.join(dir, `loaded-${runs}.txt`);
  await writeFile(file, '');
  // Registering ES module hooks loads Node's net module itself: left out where that is looked at.
  const hooks = [...(esmHooks ? ['--import', register] : []), '--require', path.join(dir, 'requires.cjs')];
  const result = await execa('node', [...hooks, BIN, ...args], {
    cwd: REPO,
    env: {
      LOADED_MODULES_FILE: file,
      NO_COLOR: '1',
      CI: 'true',
      FAULTLINE_DEBUG_CODE_CACHE: '1',
      XDG_CACHE_HOME: path.join(dir, 'no-user-cache'),
    },
    reject: false,
  });
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  const modules = lines
    .filter((line) => line.startsWith('file:'))
    .map((url) => path.relative(REPO, new URL(url).pathname));
  const required = lines.filter((line) => line.startsWith('require:') && !line.includes('requires.cjs'));
  const builtins = lines.filter((line) => line.startsWith('builtin:')).map((line) => line.slice(8));
  return { exitCode: result.exitCode, stderr: result.stderr, modules, required, builtins };
}

/** Whatever was loaded from node_modules, as an ES module or required. */
function fromNodeModules({ modules, required }: Loaded): string[] {
  return [...modules, ...required].filter((entry) => entry.includes('node_modules'));
}

describe('the modules a command loads', () => {
  it("validate loads its own bundle from its code cache, nothing from node_modules, and not Node's fs/promises", async () => {
    const run = await loaded(['validate', EXPERIMENT]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('code cache: shipped accepted (validate.cjs)');
    // Finding and reading the files goes through node:fs's callbacks, not node:fs/promises (and the
    // streams and readline modules it loads). Looked at without the ES module hooks, which load it.
    const plain = await loaded(['validate', EXPERIMENT], { esmHooks: false });
    expect(plain.exitCode).toBe(0);
    expect(
      plain.builtins.filter((name) => /^(fs\/promises|internal\/fs\/promises|readline)$/.test(name)),
    ).toEqual([]);
    // The entry is CommonJS (bin/package.json): the loader is required, no ES module is imported.
    expect(run.modules).toEqual(['bin/faultline.js']);
    expect(run.required).toContain('require:./bundle-loader.js');
    expect(fromNodeModules(run)).toEqual([]);
    expect(run.required.filter((entry) => ENGINE_ONLY.includes(entry))).toEqual([]);
  });

  it('validate --json, explain, schema and --help neither reach dockerode nor load execa', async () => {
    for (const args of [['validate', '--json', EXPERIMENT], ['explain', 'pause'], ['schema'], ['--help']]) {
      const run = await loaded(args);
      expect({ args, exitCode: run.exitCode }).toEqual({ args, exitCode: 0 });
      expect({ args, cache: run.stderr.trim() }).toEqual({
        args,
        cache: `code cache: shipped accepted (${args[0] === '--help' ? 'help' : 'front'}.cjs)`,
      });
      expect({ args, loaded: fromNodeModules(run) }).toEqual({ args, loaded: [] });
      expect({ args, engine: run.required.filter((entry) => ENGINE_ONLY.includes(entry)) }).toEqual({
        args,
        engine: [],
      });
    }
  }, 60_000);

  it("output to a pipe builds no socket: neither Node's net nor its tty module is loaded", async () => {
    for (const args of [['validate', EXPERIMENT], ['--help']]) {
      const run = await loaded(args, { esmHooks: false });
      expect({ args, exitCode: run.exitCode }).toEqual({ args, exitCode: 0 });
      expect(run.builtins).toContain('fs');
      expect({ args, loaded: run.builtins.filter((name) => ['net', 'tty'].includes(name)) }).toEqual({
        args,
        loaded: [],
      });
    }
  });

  it('--version loads only the version, not the CLI', async () => {
    const run = await loaded(['--version']);
    expect(run.exitCode).toBe(0);
    expect(run.modules).toEqual(['bin/faultline.js']);
    expect(run.required.filter((entry) => !entry.endsWith('bin/faultline.js'))).toEqual([
      'require:../package.json',
    ]);
  });

  it('doctor initialises dockerode on its Engine call, without ssh2 or BuildKit parts, and imports execa', async () => {
    const run = await loaded(['doctor', '--host', 'unix:///nonexistent/docker.sock']);
    expect(run.exitCode).toBe(3);
    expect(run.required).toEqual(expect.arrayContaining(ENGINE_ONLY));
    // doctor runs processes (tc, iptables): execa is imported, through the loader, without a warning.
    expect(run.modules.some((file) => file.includes('node_modules/execa/'))).toBe(true);
    expect(run.stderr).not.toMatch(/Warning|ERR_VM/);
    expect([...run.modules, ...run.required].filter((entry) => RARE.test(entry))).toEqual([]);
  }, 30_000);
});
