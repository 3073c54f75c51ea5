import { constants } from 'node:fs';
import { access, chmod, cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import { REPO, writeExperiment } from '../../support/cli.js';
import { uniquePrefix, waitFor } from '../../support/containers.js';
import { helperContainers, NetworkLab, tcp } from '../../support/network.js';
import { partitionExperiment } from '../../support/partition-experiment.js';

/**
 * faultline as a user in the docker group, not root (GitHub-hosted runners): nsenter is out, so it
 * takes the helper and says why, lands the partition, reverts it, keeps its ledgers under the user's
 * home, and exits as the verdict says. Needs root to create the user; skipped otherwise.
 */
const USER = 'faultline-ci';
const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  console.warn(
    `skipped: running as ${USER} needs root to create that user (useradd, runuser); these tests run as uid ${process.getuid?.()}`,
  );
}

const lab = new NetworkLab(uniquePrefix('docker-group'));
let home: string;
/** Where the user runs faultline from: this checkout when the user can read it, else a copy. */
let checkout = REPO;
let copy: string | undefined;
let dir: string;

async function asRoot(command: string, ...args: string[]): Promise<string> {
  const result = await execa(command, args, { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.all}`);
  return result.stdout;
}

/** Runs a command as the user, with a clean environment (HOME and the state dir are the user's own). */
function asUser(argv: string[], cwd: string) {
  return execa('runuser', ['-u', USER, '--', ...argv], {
    cwd,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', CI: 'true' },
    reject: false,
    all: true,
  });
}

async function userCanRead(root: string): Promise<boolean> {
  const files = [
    'bin/faultline.js',
    'dist/cli/main.js',
    'package.json',
    'node_modules/commander/package.json',
  ];
  const result = await asUser(
    [
      'test',
      '-r',
      path.join(root, files[0]!),
      ...files.slice(1).flatMap((file) => ['-a', '-r', path.join(root, file)]),
    ],
    '/',
  );
  return result.exitCode === 0;
}

/** Ledgers (runs/*.jsonl) under a state dir that name the experiment file. */
async function ledgersOf(stateDir: string, file: string): Promise<string[]> {
  const runs = path.join(stateDir, 'runs');
  const names = await readdir(runs).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.jsonl'))) {
    const text = await readFile(path.join(runs, name), 'utf8').catch(() => '');
    if (text.includes(file)) found.push(path.join(runs, name));
  }
  return found;
}

describe.skipIf(!isRoot)('faultline as a non-root user in the docker group', () => {
  beforeAll(async () => {
    // Idempotent: create the user once, and make sure it is in the docker group.
    const exists = await execa('id', ['-u', USER], { reject: false });
    if (exists.exitCode !== 0) await asRoot('useradd', '-m', '-G', 'docker', USER);
    else await asRoot('usermod', '-a', '-G', 'docker', USER);
    home = (await asRoot('getent', 'passwd', USER)).split(':')[5]!;

    if (!(await userCanRead(REPO))) {
      copy = await mkdtemp(path.join(tmpdir(), 'faultline-ci-checkout-'));
      for (const entry of ['bin', 'dist', 'package.json', 'node_modules'])
        await cp(path.join(REPO, entry), path.join(copy, entry), { recursive: true, dereference: true });
      await asRoot('chmod', '-R', 'a+rX', copy);
      checkout = copy;
      if (!(await userCanRead(checkout))) throw new Error(`${USER} cannot read the copy in ${copy} either`);
    }

    await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
    await lab.start([{ service: 'a' }, { service: 'b' }]);
    dir = await mkdtemp(path.join(tmpdir(), 'faultline-ci-exp-'));
    await chmod(dir, 0o755);
  });

  afterAll(async () => {
    await lab.remove();
    if (copy) await rm(copy, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes the helper (saying why), partitions, reverts, keeps its ledger in its home and exits 1 on deviation', async () => {
    const file = await writeExperiment(
      dir,
      'partition.yaml',
      partitionExperiment('partition run by a docker-group user', lab.prefix, lab.get('a').ip, '6s'),
    );
    await chmod(file, 0o644);
    await lab.createFilterTables();
    const before = await lab.states();
    const helpers = await helperContainers();
    expect(await asUser(['docker', 'version', '--format', '{{.Server.Version}}'], dir)).toMatchObject({
      exitCode: 0,
    });

    const run = asUser(['node', path.join(checkout, 'bin/faultline.js'), 'run', file], dir);
    // During the fault, seen from b's container: a cannot be reached.
    await waitFor(
      'the partition to land between a and b',
      async () => (await tcp(lab.get('b').name, lab.get('a').ip)) === 'timeout',
      20_000,
    );
    const result = await run;

    expect(result.all).toContain(
      `network faults via helper: faultline is not running as root; helper image ${DEFAULT_HELPER_IMAGE}`,
    );
    expect(result.all).toContain('DEVIATED');
    expect(result.exitCode, result.all).toBe(1);

    // Reverted: a reachable again, both namespaces as before, no helper left.
    expect(await tcp(lab.get('b').name, lab.get('a').ip)).toBe('connected');
    expect(await lab.states()).toEqual(before);
    expect(await helperContainers()).toEqual(helpers);

    // Its ledger is in the user's XDG state dir, owned by the user, and not in root's.
    const stateDir = path.join(home, '.local/state/faultline');
    const ledgers = await ledgersOf(stateDir, file);
    expect(ledgers).toHaveLength(1);
    const uid = Number(await asRoot('id', '-u', USER));
    expect((await stat(ledgers[0]!)).uid).toBe(uid);
    expect(await readFile(ledgers[0]!, 'utf8')).toContain('"via":"helper"');
    expect(await ledgersOf('/var/lib/faultline', file)).toEqual([]);
    await expect(access(stateDir, constants.W_OK)).resolves.toBeUndefined();
  });
});
