import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline } from '../support/cli.js';

/**
 * Machine-readable output and verbosity of the built CLI against the real Engine: `plan --json`,
 * `doctor --json`, `run --report json=-`, `run --quiet` and `run --verbose`. The experiment holds no
 * fault (a wait, a command probe), so no container is made or touched.
 */
const EXPERIMENT = `title: Node answers
tags: [smoke]
hypothesis:
  - name: node runs
    command: [node, -e, "process.exit(0)"]
method:
  - wait: 300ms
`;

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-json-'));
  file = path.join(dir, 'node.yaml');
  await writeFile(file, EXPERIMENT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--json and --report json=- through the built CLI', () => {
  it('plan --json prints one JSON document with the seed, the hypothesis and the method', async () => {
    const result = await faultline(['plan', '--json', '--seed', '7', file]);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.seed).toBe(7);
    expect(document.experiments).toHaveLength(1);
    expect(document.experiments[0]).toMatchObject({
      file,
      title: 'Node answers',
      hypothesis: [{ name: 'node runs', phases: ['before', 'during', 'after'], everyMs: 1000 }],
      method: [{ path: 'method[0]', kind: 'wait', label: 'wait 300ms', durationMs: 300 }],
      network: null,
      recoveryMs: 30_000,
    });
  });

  it('doctor --json prints one JSON document whose exit code is the command exit code', async () => {
    const result = await faultline(['doctor', '--json']);
    const document = JSON.parse(result.stdout);
    expect(document.exitCode).toBe(result.exitCode);
    expect(document.ok).toBe(result.exitCode === 0);
    expect(document.checks[0]).toMatchObject({
      ok: true,
      what: expect.stringMatching(/^(Docker Engine|Podman) /),
    });
    expect(document.problems).toBe(document.checks.filter((check: { ok: boolean }) => !check.ok).length);
  });

  it('run --report json=- writes only the JSON report to stdout; the console goes to stderr', async () => {
    const result = await faultline(['run', '--report', 'json=-', file]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.runs[0]).toMatchObject({ file, title: 'Node answers', exitCode: 0 });
    expect(result.stderr).toContain('PASSED');
    expect(result.stderr).toContain('step     wait 300ms');
  });

  it('two reports to stdout are exit 2 before anything runs', async () => {
    const result = await faultline(['run', '--report', 'json=-', '--report', 'junit=-', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('only one report can go to stdout');
  });
});

describe('run --quiet and --verbose', () => {
  it('--quiet prints the verdict and nothing of the steps', async () => {
    const result = await faultline(['run', '--quiet', file]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PASSED .*\(.*, exit 0\)$/);
    expect(result.stdout).not.toContain('wait 300ms');
  });

  it('--verbose prints every check of every sample, with expected and actual', async () => {
    const result = await faultline(['run', '--verbose', file]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/check +ok exit code: expected 0, got 0 \(node runs, after\)/);
    expect(result.stdout).toMatch(/check +ok exit code: expected 0, got 0 \(node runs, before\)/);
  });

  it('--quiet with --verbose is exit 2', async () => {
    const result = await faultline(['run', '--quiet', '--verbose', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--quiet and --verbose: choose one');
  });
});
