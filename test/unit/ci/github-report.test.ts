import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult, SessionResult } from '../../../src/model/journal.js';

const script = fileURLToPath(new URL('../../../ci/github-report.mjs', import.meta.url));
const samples = fileURLToPath(new URL('./samples', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-gh-'));
  await cp(samples, dir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the script as the action does, from the workspace, with a job summary file. */
function report(args: string[]) {
  const summary = path.join(dir, 'summary.md');
  const result = spawnSync('node', [script, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GITHUB_STEP_SUMMARY: summary },
  });
  const stdout = result.stdout.replace(/faultline-[0-9a-f-]{36}/g, 'TOKEN');
  return { status: result.status, stdout, stderr: result.stderr, lines: stdout.split('\n'), summary };
}

const sample = async (): Promise<SessionResult> =>
  JSON.parse(await readFile(path.join(samples, 'report.json'), 'utf8')) as SessionResult;

async function writeReport(session: SessionResult): Promise<string> {
  const file = path.join(dir, 'changed.json');
  await writeFile(file, JSON.stringify(session));
  return file;
}

describe('ci/github-report.mjs on a real report', () => {
  it('annotates the deviating probe, the baseline not met and each invalid file at its line', () => {
    const { status, lines } = report(['--json', 'report.json', '--markdown', 'report.md']);
    expect(status).toBe(0);
    expect(lines.filter((line) => line.startsWith('::error'))).toEqual([
      '::error file=experiments/marker-survives-cleanup.yaml,line=4,title=faultline%3A deviated%3A marker exists::marker exists (after, 1/1 samples did not pass): not recovered within 1s: exit code: expected 0, saw 1',
      '::error file=experiments/nothing-listens.yaml,line=3,title=faultline%3A baseline not met::port 1 answers (before, 1/1 samples did not pass): connects: expected a connection, saw connection refused',
      '::error file=experiments/broken-yaml.yaml,line=2,col=1,title=faultline%3A invalid experiment::YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '::error file=experiments/typo.yaml,line=6,col=5,title=faultline%3A invalid experiment::method[0].puase: unknown step "puase"; did you mean "pause"?',
    ]);
  });

  it('puts each experiment in its own group, with workflow commands stopped inside it', () => {
    const { lines } = report(['--json', 'report.json']);
    expect(lines.filter((line) => line.startsWith('::group::'))).toEqual([
      '::group::DEVIATED experiments/marker-survives-cleanup.yaml: The marker file survives a cleanup',
      '::group::ERRORED experiments/nothing-listens.yaml: A service that is not there',
      '::group::PASSED experiments/true-holds.yaml: True stays true',
      '::group::INVALID experiments/broken-yaml.yaml',
      '::group::INVALID experiments/typo.yaml',
    ]);
    expect(lines.filter((line) => line === '::endgroup::')).toHaveLength(5);
    const first = lines.slice(0, lines.indexOf('::endgroup::') + 1);
    expect(first).toEqual([
      '::group::DEVIATED experiments/marker-survives-cleanup.yaml: The marker file survives a cleanup',
      '::stop-commands::TOKEN',
      'the hypothesis did not hold: marker exists (after, 1/1 failed): not recovered within 1s: exit code: expected 0, saw 1',
      '  before  pass    marker exists  (1/1 passed) exit code 0',
      '  during  not-run marker exists  (0/0 passed) no fault was active long enough to sample',
      '  after   fail    marker exists  (0/1 passed) not recovered within 1s: exit code: expected 0, saw 1',
      'exit 1',
      '::TOKEN::',
      '::endgroup::',
    ]);
  });

  it('appends the Markdown report to the job summary', async () => {
    const { summary } = report(['--json', 'report.json', '--markdown', 'report.md']);
    expect(await readFile(summary, 'utf8')).toBe(await readFile(path.join(samples, 'report.md'), 'utf8'));
  });
});

describe('ci/github-report.mjs: escaping and the rarer outcomes', () => {
  it('escapes %, CR and LF in messages, and : and , in properties too', async () => {
    const session = await sample();
    const run = session.runs[0]!;
    run.title = 'a, b: c';
    run.probes[2] = { ...run.probes[2]!, probe: 'p: 50%, x', reason: '100% down\r\nsecond: line, here' };
    const { lines } = report(['--json', await writeReport({ ...session, invalid: [] })]);
    expect(lines).toContain(
      '::error file=experiments/marker-survives-cleanup.yaml,title=faultline%3A deviated%3A p%3A 50%25%2C x::p: 50%25, x (after, 1/1 samples did not pass): 100%25 down%0D%0Asecond: line, here',
    );
  });

  it('escapes a comma and a colon in the file name and finds a quoted probe name', async () => {
    const session = await sample();
    const odd = 'experiments/a,b:c.yaml';
    await writeFile(path.join(dir, odd), 'title: x\nhypothesis:\n  - name: "true, exits 0"\n');
    const run: RunResult = { ...session.runs[1]!, file: odd };
    run.probes = run.probes.map((probe) => ({ ...probe, probe: 'true, exits 0' }));
    const { lines } = report(['--json', await writeReport({ ...session, runs: [run], invalid: [] })]);
    expect(lines.filter((line) => line.startsWith('::error'))).toEqual([
      '::error file=experiments/a%2Cb%3Ac.yaml,line=3,title=faultline%3A baseline not met::true, exits 0 (before, 1/1 samples did not pass): connects: expected a connection, saw connection refused',
    ]);
  });

  it('points a failed step at its line in the method', async () => {
    const session = await sample();
    const run: RunResult = { ...session.runs[2]!, outcome: 'errored', exitCode: 3, summary: 'boom' };
    run.journal = [
      ...run.journal,
      {
        type: 'step-end',
        step: 'method[0]',
        label: 'wait 300ms',
        status: 'failed',
        durationMs: 1,
        error: 'no such container',
        at: run.finishedAt,
        t: 1,
      },
    ];
    const { lines } = report(['--json', await writeReport({ ...session, runs: [run], invalid: [] })]);
    expect(lines.filter((line) => line.startsWith('::error'))).toEqual([
      '::error file=experiments/true-holds.yaml,line=6,title=faultline%3A errored%3A step failed::wait 300ms: no such container',
    ]);
  });

  it('names every fault left in place with the command that removes it', async () => {
    const session = await sample();
    const run: RunResult = { ...session.runs[2]!, outcome: 'revert-failed', exitCode: 4 };
    run.faults = [
      {
        faultId: 'pause#1',
        fault: 'pause',
        target: { id: 'abc', name: 'shop-db-1', labels: {} } as unknown as RunResult['faults'][0]['target'],
        injectedAt: run.startedAt,
        status: 'failed',
        detail: 'unpause failed',
        remedy: 'docker unpause shop-db-1',
      },
    ];
    const { lines } = report(['--json', await writeReport({ ...session, runs: [run], invalid: [] })]);
    expect(lines.filter((line) => line.startsWith('::error'))).toEqual([
      '::error file=experiments/true-holds.yaml,title=faultline%3A a fault may still be in place::pause on shop-db-1: unpause failed; remove it with: docker unpause shop-db-1',
    ]);
  });

  it('keeps a line of the system under test from acting as a workflow command', async () => {
    const session = await sample();
    const run = session.runs[0]!;
    run.summary = '::add-mask::secret';
    const { lines } = report(['--json', await writeReport({ ...session, runs: [run], invalid: [] })]);
    const at = lines.indexOf('::add-mask::secret');
    expect(lines[at - 1]).toBe('::stop-commands::TOKEN');
    expect(lines.indexOf('::TOKEN::')).toBeGreaterThan(at);
  });

  it('says so when faultline wrote no report, and exits 0: the run is the gate', async () => {
    const { status, lines, summary } = report(['--json', 'missing.json', '--exit-code', '2']);
    expect(status).toBe(0);
    expect(lines[0]).toBe(
      '::error title=faultline::faultline wrote no report (exit 2): it stopped before running anything; see its output above',
    );
    expect(await readFile(summary, 'utf8')).toContain('faultline wrote no report (exit 2)');
  });

  it('rejects unknown arguments with exit 2 and its usage', () => {
    const { status, stderr } = report(['--jsn', 'x']);
    expect(status).toBe(2);
    expect(stderr).toContain('usage: github-report.mjs --json FILE');
  });
});
