import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../support/cli.js';

/**
 * The package as a user gets it: `npm pack` of the built tree (run `npm run build` first), installed
 * into an empty prefix by ci/install.sh (the install step of action.yml and of ci/gitlab-ci.yml), with
 * its dependencies from the npm registry, then used from outside the repository. The steps of the
 * GitHub Action and the GitLab job are run here as their runners would run them, on experiments that
 * need no container: what only a real runner does (setup-node, upload-artifact, showing annotations)
 * is not exercised.
 */
let dir: string;
let tarball: string;
let bin: string;
const samples = path.join(REPO, 'test/unit/ci/samples/experiments');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-package-'));
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
    cwd: REPO,
    reject: false,
    encoding: 'utf8',
  });
  if (packed.exitCode !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
  const installed = await execa('bash', [path.join(REPO, 'ci/install.sh')], {
    env: { FAULTLINE_CI_SOURCE: tarball, FAULTLINE_CI_PREFIX: path.join(dir, 'prefix'), GITHUB_PATH: '' },
    reject: false,
    encoding: 'utf8',
  });
  if (installed.exitCode !== 0) throw new Error(`ci/install.sh failed:\n${installed.stderr}`);
  bin = installed.stdout.trim();
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const installedPackage = () => path.join(dir, 'prefix/node_modules/faultline');

/** A fresh folder outside the repository, as a user's project would be. */
async function workspace(name: string): Promise<string> {
  const work = path.join(dir, name);
  await mkdir(work, { recursive: true });
  return work;
}

function faultline(args: string[], cwd: string) {
  return execa(path.join(bin, 'faultline'), args, {
    cwd,
    reject: false,
    encoding: 'utf8',
    env: { NO_COLOR: '1' },
  });
}

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the installed package', () => {
  it('validates a shipped example and shows plan --help from outside the repository', async () => {
    const work = await workspace('user');
    const example = path.join(installedPackage(), 'experiments/checkout-survives-backend-pause.yaml');
    const valid = await faultline(['validate', example], work);
    expect(valid.exitCode).toBe(0);
    expect(valid.stdout).toMatch(
      /^valid\s+\S+checkout-survives-backend-pause\.yaml\s+Checkout survives a frozen backend$/m,
    );
    const all = await faultline(['validate', path.join(installedPackage(), 'experiments')], work);
    expect(all.exitCode).toBe(0);
    const help = await faultline(['plan', '--help'], work);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: faultline plan');
    await writeFile(path.join(work, 'typo.yaml'), 'title: t\nhypothesis: []\nmethod:\n  - puase: {}\n');
    const invalid = await faultline(['validate', 'typo.yaml'], work);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain('typo.yaml:4:5');
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
  });

  it('ships the license, the schema it prints, and no source map that points nowhere', async () => {
    const root = installedPackage();
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const license = await readFile(path.join(root, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    const printed = await faultline(['schema'], root);
    expect(JSON.parse(printed.stdout)).toEqual(
      JSON.parse(await readFile(path.join(root, 'faultline.schema.json'), 'utf8')),
    );
    const files = await allFiles(path.join(root, 'dist'));
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    for (const file of files) expect(await readFile(file, 'utf8')).not.toContain('sourceMappingURL');
    expect(files.some((file) => file.endsWith(path.join('dist', 'version.js')))).toBe(true);
  });
});

/** `${{ inputs.x }}`, `${{ github.action_path }}` and step outputs, as the runner fills them in. */
function expand(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => values[name] ?? '');
}

interface ActionStep {
  id?: string;
  run?: string;
  env?: Record<string, string>;
}

describe('action.yml, run as the runner runs its steps', () => {
  it('runs the experiments, records the exit code, annotates, writes the summary once, and gates', async () => {
    const work = await workspace('gh');
    await cp(samples, path.join(work, 'experiments'), { recursive: true });
    const marker = path.join(work, 'marker');
    await writeFile(marker, '');
    const files = { output: path.join(dir, 'gh-output'), summary: path.join(dir, 'gh-summary.md') };
    await writeFile(files.output, '');
    await writeFile(files.summary, '');
    const action = parse(await readFile(path.join(REPO, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default: string }>;
      runs: { steps: ActionStep[] };
    };
    const values: Record<string, string> = { 'github.action_path': REPO };
    for (const [name, input] of Object.entries(action.inputs)) values[`inputs.${name}`] = input.default;
    const step = async (id: string) => {
      const found = action.runs.steps.find((candidate) => candidate.id === id)!;
      const env = Object.fromEntries(
        Object.entries(found.env ?? {}).map(([key, value]) => [key, expand(value, values)]),
      );
      return execa('bash', ['-e', '-c', found.run!], {
        cwd: work,
        reject: false,
        encoding: 'utf8',
        env: {
          ...env,
          PATH: `${bin}:${process.env.PATH}`,
          GITHUB_OUTPUT: files.output,
          GITHUB_STEP_SUMMARY: files.summary,
          SAMPLE_MARKER: marker,
          FAULTLINE_STATE_DIR: path.join(dir, 'state'),
          CI: 'true',
          NO_COLOR: '1',
        },
      });
    };

    const run = await step('run');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('faultline exited with 3');
    expect(await readFile(files.output, 'utf8')).toBe('exit-code=3\n');
    values['steps.run.outputs.exit-code'] = '3';
    const reports = await readdir(path.join(work, 'faultline-reports'));
    expect(reports.sort()).toEqual([
      'exit-code',
      'faultline.html',
      'faultline.json',
      'faultline.md',
      'faultline.xml',
    ]);
    expect(run.stdout.trimEnd().split('\n').at(-2)).toContain(
      '5 experiments: 1 passed, 1 deviated, 1 errored, 2 invalid (exit 3, ',
    );

    const report = await step('report');
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toContain(
      '::error file=experiments/typo.yaml,line=6,col=5,title=faultline%3A invalid experiment::method[0].puase: unknown step "puase"; did you mean "pause"?',
    );
    expect(report.stdout).toContain(
      '::error file=experiments/marker-survives-cleanup.yaml,line=4,title=faultline%3A deviated%3A marker exists::',
    );
    const summary = await readFile(files.summary, 'utf8');
    expect(summary).toBe(await readFile(path.join(work, 'faultline-reports/faultline.md'), 'utf8'));
    expect(summary.match(/^# faultline$/gm)).toHaveLength(1);

    const gate = await step('gate');
    expect(gate.exitCode).toBe(3);
  }, 60_000);
});

describe('ci/gitlab-ci.yml, its script run as a GitLab shell executor runs it', () => {
  it('installs, runs and ends with the exit code, leaving the JUnit report where artifacts expect it', async () => {
    const work = await workspace('gl');
    await cp(samples, path.join(work, 'experiments'), { recursive: true });
    const template = parse(await readFile(path.join(REPO, 'ci/gitlab-ci.yml'), 'utf8')) as {
      '.faultline': {
        variables: Record<string, string>;
        script: string[];
        artifacts: { reports: { junit: string } };
      };
    };
    const job = template['.faultline'];
    const result = await execa('bash', ['-e', '-o', 'pipefail', '-c', job.script.join('\n')], {
      cwd: work,
      reject: false,
      encoding: 'utf8',
      env: {
        ...job.variables,
        FAULTLINE_CI_HOME: REPO,
        FAULTLINE_CI_SOURCE: tarball,
        FAULTLINE_CI_PREFIX: path.join(dir, 'prefix'),
        FAULTLINE_CI_EXPERIMENTS: 'experiments/typo.yaml experiments/broken-*.yaml',
        CI_PROJECT_DIR: work,
        CI: 'true',
        NO_COLOR: '1',
      },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('2 experiments: 0 passed, 2 invalid (exit 2');
    const junit = await readFile(path.join(work, job.artifacts.reports.junit), 'utf8');
    expect(junit).toContain(
      'message="experiments/broken-yaml.yaml:2:1 YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]"',
    );
  }, 90_000);
});
