import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../support/cli.js';

/**
 * The code cache beside each bundle (dist/cli/bundle.cache, front.cache, validate.cache) is only ever an
 * optimisation:
 * a damaged cache, one of another build or one that cannot be written never changes what a command
 * does. Each case runs a copy of the built package (bin/, the bundles and their caches, node_modules
 * linked) so that a cache can be damaged without touching the repository's. `validate FILE` runs its own
 * bundle (validate.cjs); the cases damage its cache.
 */
const EXPERIMENT = path.join(REPO, 'experiments/checkout-survives-backend-blackhole.yaml');
const VALID = /^valid {3}.*checkout-survives-backend-blackhole\.yaml {2}Checkout survives a backend/;

let dir: string;
let cases = 0;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/bundle.cache'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-code-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the built CLI; returns its root. */
async function packageCopy(): Promise<string> {
  cases += 1;
  const root = path.join(dir, `package-${cases}`);
  await mkdir(path.join(root, 'dist/cli'), { recursive: true });
  await cp(path.join(REPO, 'bin'), path.join(root, 'bin'), { recursive: true });
  await copyFile(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  const bundles = ['bundle', 'front', 'validate']
    .flatMap((name) => [`${name}.cjs`, `${name}.cache`])
    .map((name) => `dist/cli/${name}`);
  for (const file of ['dist/version.js', ...bundles]) {
    await copyFile(path.join(REPO, file), path.join(root, file));
  }
  await symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** `faultline validate` from the copy at `root`, with its user cache under `root/cache`. */
function validate(root: string, cacheHome = path.join(root, 'cache')) {
  return execa('node', [path.join(root, 'bin/faultline.js'), 'validate', EXPERIMENT], {
    cwd: root,
    env: { NO_COLOR: '1', CI: 'true', FAULTLINE_DEBUG_CODE_CACHE: '1', XDG_CACHE_HOME: cacheHome },
    reject: false,
  });
}

/** The cache file with `damage` applied to its bytes. */
async function damage(root: string, change: (bytes: Buffer) => Buffer): Promise<void> {
  const file = path.join(root, 'dist/cli/validate.cache');
  await writeFile(file, change(await readFile(file)));
}

const { version } = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string;
};
const userCache = (root: string, bundle = 'validate') =>
  path.join(root, `cache/faultline/${version}-${bundle}-${process.version}.cache`);

describe('the code cache', () => {
  it('is used as shipped, and no user cache is written', async () => {
    const root = await packageCopy();
    const run = await validate(root);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(VALID);
    expect(run.stderr.trim()).toBe('code cache: shipped accepted (validate.cjs)');
    expect(existsSync(userCache(root))).toBe(false);
  });

  it('of the whole CLI is used by the commands that are not in the front bundle', async () => {
    const root = await packageCopy();
    const run = await execa('node', [path.join(root, 'bin/faultline.js'), 'plan', '--help'], {
      cwd: root,
      env: {
        NO_COLOR: '1',
        CI: 'true',
        FAULTLINE_DEBUG_CODE_CACHE: '1',
        XDG_CACHE_HOME: path.join(root, 'cache'),
      },
      reject: false,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Usage: faultline plan [options] <files...>');
    expect(run.stderr.trim()).toBe('code cache: shipped accepted (bundle.cjs)');
    expect(existsSync(userCache(root, 'bundle'))).toBe(false);
  });

  it('damaged inside (bytes flipped), is rejected, the command still runs, and a fresh one replaces it', async () => {
    const root = await packageCopy();
    await damage(root, (bytes) => {
      for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
      return bytes;
    });
    const first = await validate(root);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(VALID);
    expect(first.stderr).toContain('code cache: shipped rejected');
    expect(first.stderr).toContain(`code cache: wrote ${userCache(root)}`);
    const second = await validate(root);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(VALID);
    expect(second.stderr.trim()).toBe('code cache: user accepted (validate.cjs)');
  });

  it('truncated, or of another build, is not used; a user cache that is damaged is rewritten', async () => {
    const root = await packageCopy();
    const header =
      (await readFile(path.join(root, 'dist/cli/validate.cache'), 'latin1')).split('\n')[0] ?? '';
    await damage(root, (bytes) => bytes.subarray(0, bytes.length >> 1));
    const truncated = await validate(root);
    expect(truncated.stdout).toMatch(VALID);
    expect(truncated.stderr).toContain('code cache: shipped rejected');
    // A user cache of another build (another hash in its header) is passed over.
    const other = header.replace(/ [0-9a-f]{64} /, ` ${'0'.repeat(64)} `);
    await writeFile(userCache(root), Buffer.concat([Buffer.from(`${other}\n`), Buffer.alloc(4096, 7)]));
    const stale = await validate(root);
    expect(stale.stdout).toMatch(VALID);
    expect(stale.stderr).toContain('code cache: shipped rejected');
    // A user cache of this build that is garbage is rejected, then replaced.
    await writeFile(userCache(root), Buffer.concat([Buffer.from(`${header}\n`), Buffer.alloc(4096, 7)]));
    const garbage = await validate(root);
    expect(garbage.stdout).toMatch(VALID);
    expect(garbage.stderr).toContain('code cache: user rejected');
    expect((await validate(root)).stderr.trim()).toBe('code cache: user accepted (validate.cjs)');
  });

  it('that cannot be written leaves the command as it is', async () => {
    const root = await packageCopy();
    await damage(root, () => Buffer.from('not a cache'));
    const notADirectory = path.join(root, 'package.json');
    const run = await validate(root, notADirectory);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(VALID);
    expect(run.stderr).toContain('code cache: none');
    expect(run.stderr).toContain('code cache: could not write');
  });
});
