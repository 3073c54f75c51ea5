// Makes dist/cli/bundle.cache, front.cache, help.cache and validate.cache, the V8 code caches shipped
// beside the bundles: for each, a fresh Node process (no NODE_OPTIONS, so that V8's flags are a user's defaults)
// loads the bundle without a cache, runs the commands whose start-up matters and that bin/faultline.js
// sends to it (the front: validate with an option, explain, schema, completion; the help's: the
// program's help and a command's; validate's own: validate; the whole CLI: `run` up to its first
// Engine call, against an endpoint that does not exist, and a command's help), then writes the cache,
// which then holds every function they compiled. Their output is discarded; nothing here needs Docker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const EXPERIMENT = 'experiments/checkout-survives-backend-blackhole.yaml';
const NOWHERE = 'unix:///nonexistent/faultline-build/docker.sock';
const COMMANDS = {
  front: [['validate', '--json', EXPERIMENT], ['explain', 'pause'], ['schema'], ['completion', 'bash']],
  help: [['--help'], ['help', 'run']],
  validate: [['validate', EXPERIMENT]],
  bundle: [
    ['run', '--help'],
    ['run', EXPERIMENT, '--host', NOWHERE],
  ],
};

/** Runs this file as a program in a fresh process, from the package root. */
export async function makeCodeCache(root) {
  const state = mkdtempSync(path.join(tmpdir(), 'faultline-build-'));
  try {
    const env = { ...process.env, FAULTLINE_STATE_DIR: state, NO_COLOR: '1', CI: 'true' };
    delete env.NODE_OPTIONS;
    for (const name of Object.keys(COMMANDS)) {
      const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], {
        cwd: root,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (result.status !== 0)
        throw new Error(`making the code cache of ${name}.cjs failed: ${result.stderr || result.error}`);
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

/** Loads dist/cli/<name>.cjs without a cache, runs its commands, and writes <name>.cache. */
async function train(name) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { cacheOf, createCache, loadBundle } = await import(
    pathToFileURL(path.join(root, 'bin/bundle-loader.js')).href
  );
  const file = path.join(root, 'dist/cli', `${name}.cjs`);
  const { exports, script, header } = loadBundle({ fresh: true, file });
  for (const args of COMMANDS[name]) await exports.main(['node', 'faultline', ...args]);
  writeFileSync(cacheOf(file), Buffer.concat([Buffer.from(header, 'latin1'), createCache(script)]));
  process.exitCode = 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await train(process.argv[2]);
