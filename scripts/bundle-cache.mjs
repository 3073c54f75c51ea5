// Makes dist/cli/bundle.cache, the V8 code cache shipped beside the bundle: a fresh Node process (no
// NODE_OPTIONS, so that V8's flags are a user's defaults) loads the bundle without a cache, runs the
// commands whose start-up matters (validate, --help, explain, schema, and `run` up to its first
// Engine call, against an endpoint that does not exist), then writes the cache, which then holds every
// function they compiled. Their output is discarded; nothing here needs Docker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const EXPERIMENT = 'experiments/checkout-survives-backend-blackhole.yaml';
const NOWHERE = 'unix:///nonexistent/faultline-build/docker.sock';
const COMMANDS = [
  ['validate', EXPERIMENT],
  ['validate', '--json', EXPERIMENT],
  ['--help'],
  ['run', '--help'],
  ['explain', 'pause'],
  ['schema'],
  ['run', EXPERIMENT, '--host', NOWHERE],
];

/** Runs this file as a program in a fresh process, from the package root. */
export async function makeCodeCache(root) {
  const state = mkdtempSync(path.join(tmpdir(), 'faultline-build-'));
  try {
    const env = { ...process.env, FAULTLINE_STATE_DIR: state, NO_COLOR: '1', CI: 'true' };
    delete env.NODE_OPTIONS;
    const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0)
      throw new Error(`making the code cache failed: ${result.stderr || result.error}`);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

async function train() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { createCache, loadBundle, SHIPPED_CACHE } = await import(
    pathToFileURL(path.join(root, 'bin/bundle-loader.js')).href
  );
  const { exports, script, header } = loadBundle({ fresh: true });
  for (const args of COMMANDS) await exports.main(['node', 'faultline', ...args]);
  writeFileSync(SHIPPED_CACHE, Buffer.concat([Buffer.from(header, 'latin1'), createCache(script)]));
  process.exitCode = 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await train();
