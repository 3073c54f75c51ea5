import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, REPO } from '../../support/cli.js';

/**
 * The built CLI choosing experiments: which files of a folder it takes, --tag, --grep, --var and
 * --var-file, and `validate --json`. No Docker is contacted: validate reads files only.
 */
const experiment = (title: string, extra = '', wait = '1s') => `title: ${title}
${extra}hypothesis:
  - name: p
    command: [node, -v]
method:
  - wait: ${wait}
`;

let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-select-'));
  await mkdir(path.join(dir, 'suite/nested'), { recursive: true });
  await mkdir(path.join(dir, 'suite/.github'), { recursive: true });
  await writeFile(
    path.join(dir, 'suite/checkout.yaml'),
    experiment('Checkout survives', 'tags: [smoke, checkout]\n'),
  );
  await writeFile(
    path.join(dir, 'suite/nested/payment.yml'),
    experiment('Payment retries', 'tags: [slow]\n'),
  );
  await writeFile(path.join(dir, 'suite/docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
  await writeFile(path.join(dir, 'suite/.github/ci.yaml'), 'on: push\n');
  await writeFile(path.join(dir, 'suite/experiment.schema.json'), '{"type": "object"}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('faultline validate on a folder', { timeout: 60_000 }, () => {
  it('takes the experiments of the folder, not of its subfolders, and skips a compose file with a note', async () => {
    const result = await faultline(['validate', 'suite', path.join('suite', 'nested')], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`valid   ${path.join('suite', 'checkout.yaml')}`);
    expect(result.stdout).toContain(`valid   ${path.join('suite', 'nested', 'payment.yml')}`);
    expect(result.stdout).toContain('2 valid, 0 invalid');
    expect(result.stderr).toBe(
      `skipped ${path.join('suite', 'docker-compose.yml')}: not an experiment (no method or hypothesis at its top level)`,
    );
  });

  it('exits 2 for a folder without any experiment, saying what an experiment is', async () => {
    const only = path.join(dir, 'compose-only');
    await mkdir(only, { recursive: true });
    await writeFile(path.join(only, 'compose.yaml'), 'services: {}\n');
    const result = await faultline(['validate', only]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${only}: no experiment in this folder (subfolders are not searched)`);
    expect(result.stderr).toContain('with a method or a hypothesis at its top level');
  });

  it('does not search subfolders', async () => {
    const result = await faultline(['validate', 'suite'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('checkout.yaml');
    expect(result.stdout).not.toContain('payment.yml');
  });

  it('still reports a broken experiment in a folder (it has a method) instead of skipping it', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'typo.yaml'), 'title: t\nhypothesis: []\nmethod:\n  - paws: {}\n');
    const result = await faultline(['validate', broken]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${path.join(broken, 'typo.yaml')} is not a valid experiment`);
  });
});

describe('--tag and --grep', { timeout: 60_000 }, () => {
  it('--tag keeps the experiments carrying one of the tags', async () => {
    const result = await faultline(['validate', 'suite', 'suite/nested', '--tag', 'slow'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('payment.yml');
    expect(result.stdout).not.toContain('checkout.yaml');
  });

  it('--grep matches the title or the file path', async () => {
    const byTitle = await faultline(['validate', 'suite', 'suite/nested', '--grep', '^Checkout'], {
      cwd: dir,
    });
    expect(byTitle.stdout).toContain('checkout.yaml');
    expect(byTitle.stdout).not.toContain('payment.yml');
    const byFile = await faultline(['validate', 'suite', 'suite/nested', '--grep', 'nested/'], { cwd: dir });
    expect(byFile.stdout).toContain('payment.yml');
    expect(byFile.stdout).not.toContain('checkout.yaml');
  });

  it('an empty selection is exit 2 naming the options and the tags there are', async () => {
    const result = await faultline(['validate', 'suite', 'suite/nested', '--tag', 'nightly'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error no experiment matches --tag nightly (of 2 found)');
    expect(result.stderr).toContain('The tags in these files: checkout, slow, smoke.');
  });

  it('a --grep that is not a regular expression is exit 2', async () => {
    const result = await faultline(['validate', 'suite', '--grep', '(unclosed'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--grep (unclosed: not a regular expression');
  });
});

describe('--var and --var-file', { timeout: 60_000 }, () => {
  const file = () => path.join(dir, 'vars.yaml');
  beforeAll(async () => {
    await writeFile(file(), experiment('Hold ${pause} for ${who}', 'vars:\n  who: the file\n', '${pause}'));
  });

  it('a variable given nowhere is exit 2 at file:line:column, naming it and --var', async () => {
    const result = await faultline(['validate', file()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${file()}:1:8 title: \${pause}: variable "pause" is not defined`);
    expect(result.stderr).toContain('pass --var pause=VALUE');
  });

  it('--var gives the value, and wins over --var-file, which wins over the file vars', async () => {
    const varFile = path.join(dir, 'ci-vars.yaml');
    await writeFile(varFile, 'pause: 2s\nwho: the var file\n');
    const fromFile = await faultline(['validate', file(), '--var-file', varFile]);
    expect(fromFile.exitCode).toBe(0);
    expect(fromFile.stdout).toContain('Hold 2s for the var file');
    const fromOption = await faultline(['validate', file(), '--var-file', varFile, '--var', 'who=ci']);
    expect(fromOption.stdout).toContain('Hold 2s for ci');
    const fileVars = await faultline(['validate', file(), '--var', 'pause=3s']);
    expect(fileVars.stdout).toContain('Hold 3s for the file');
  });

  it('a var file that is not a mapping of names to values is exit 2 at its line', async () => {
    const varFile = path.join(dir, 'bad-vars.yaml');
    await writeFile(varFile, 'pause: 2s\nnested:\n  a: 1\n');
    const result = await faultline(['validate', file(), '--var-file', varFile]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${varFile}:3:3 nested: expected a text, number or boolean value`);
  });

  it('--var without NAME=VALUE is exit 2', async () => {
    const result = await faultline(['validate', file(), '--var', 'pause']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--var pause: expected NAME=VALUE');
  });
});

describe('faultline validate --json', { timeout: 60_000 }, () => {
  it('prints one JSON document on stdout, notes on stderr, and keeps the exit code', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'title: t\nhypothesis: []\nmethod: []\n');
    const result = await faultline(['validate', '--json', 'suite', 'suite/nested', bad], { cwd: dir });
    expect(result.exitCode).toBe(2);
    const document = JSON.parse(result.stdout);
    expect(document.valid).toEqual([
      { file: path.join('suite', 'checkout.yaml'), title: 'Checkout survives', tags: ['smoke', 'checkout'] },
      { file: path.join('suite', 'nested', 'payment.yml'), title: 'Payment retries', tags: ['slow'] },
    ]);
    expect(document.invalid).toHaveLength(1);
    expect(document.invalid[0].file).toBe(bad);
    expect(document.invalid[0].problems[0]).toMatchObject({ file: bad, line: 2, path: 'hypothesis' });
    expect(document.skipped).toEqual([
      {
        file: path.join('suite', 'docker-compose.yml'),
        reason: expect.stringContaining('not an experiment'),
      },
    ]);
    expect(document.exitCode).toBe(2);
    expect(result.stderr).toContain('invalid');
  });
});
