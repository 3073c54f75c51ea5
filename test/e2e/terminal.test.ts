import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, E2E_ENV, faultline, REPO, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, startContainers, uniquePrefix } from '../support/containers.js';
import { inspectState } from '../support/docker-cli.js';
import { freshStateDir } from '../support/safety.js';

/**
 * The CLI in the places that broke terminals and runs: a pseudo-terminal with no window size, a pipe
 * closed by `head`, report paths that cannot take a file, and titles full of control characters.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

let dir: string;
let stateDir: string;

beforeAll(async () => {
  dir = await tempDir();
  stateDir = await freshStateDir();
});

/** Probes and waits only: no Docker needed. */
const WAITS = (seconds: number) =>
  [
    'title: waits',
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    'method:',
    `  - wait: ${seconds}s`,
    'recovery: 2s',
  ].join('\n');

/** `script` gives the command a pseudo-terminal; with no terminal of its own to copy, it is 0×0. */
function inPseudoTerminal(command: string, env: Record<string, string> = {}) {
  return execa('script', ['-qec', command, '/dev/null'], {
    cwd: dir,
    env: {
      ...process.env,
      FAULTLINE_STATE_DIR: stateDir,
      NO_COLOR: '',
      CI: '',
      GITHUB_STEP_SUMMARY: '',
      ...env,
    },
    stdin: 'ignore',
    reject: false,
    encoding: 'buffer',
    timeout: 60_000,
  });
}

/** The pid of `script`'s child: the CLI itself, when the command starts with `exec`. */
async function childOf(pid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    const child = Number(children.trim().split(' ')[0]);
    if (child > 0) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`script (pid ${pid}) started no command`);
}

/** Runs the CLI with its output read through a pipe that is closed after the first chunk, as `| head -1` does. */
async function withPipeClosedEarly(args: string[]): Promise<{ exitCode: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...E2E_ENV, FAULTLINE_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  return { exitCode: await exited, stderr };
}

describe('validate | head', () => {
  it('ends quietly: exit 0, no EPIPE, no stack trace', async () => {
    const result = await withPipeClosedEarly(['validate', ...Array(300).fill('experiments/')]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});

describe('a pseudo-terminal without a window size', () => {
  it('is what the tests below run in: 0 rows and 0 columns', async () => {
    const result = await inPseudoTerminal('stty size');
    expect(Buffer.from(result.stdout).toString().trim()).toBe('0 0');
  });

  it('gets plain timestamped lines, a few KB of output, and the run ends', async () => {
    const file = await writeExperiment(dir, 'waits.yaml', WAITS(2));
    const started = performance.now();
    const result = await inPseudoTerminal(`node ${BIN} run ${file}`);
    const seconds = (performance.now() - started) / 1000;
    const text = Buffer.from(result.stdout).toString();
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBeLessThan(200_000);
    expect(seconds).toBeLessThan(30);
    // Colours still work; without them, one timestamped line per event.
    expect(text).toContain('\u001b[32m\u001b[1mPASSED');
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} +step +wait 2s\r?$/m);
    expect(text).toContain('PASSED');
    console.log(`0-column pty, --progress auto: ${result.stdout.length} bytes in ${seconds.toFixed(1)} s`);
  });

  it('with --progress tty, draws a bounded status line, and SIGTERM still ends the run at once', async () => {
    const file = await writeExperiment(dir, 'long-wait.yaml', WAITS(60));
    const run = inPseudoTerminal(`exec node ${BIN} run ${file} --progress tty`);
    const cli = await childOf(run.pid!);
    let seen = '';
    await new Promise<void>((resolve) =>
      run.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        // Signalled while the status line is drawn during the wait step.
        if (seen.includes('wait 1m')) setTimeout(resolve, 1000);
      }),
    );
    const signalled = performance.now();
    process.kill(cli, 'SIGTERM');
    const result = await run;
    const endMs = performance.now() - signalled;
    const text = Buffer.from(result.stdout).toString();
    expect(result.exitCode).toBe(130);
    expect(endMs).toBeLessThan(5000);
    expect(result.stdout.length).toBeLessThan(200_000);
    expect(text).toContain('SIGTERM: reverting every injected fault');
    expect(text).toContain('INTERRUPTED');
    // The status line is redrawn in place: carriage return, erase, one row.
    expect(text).toContain('\r\u001b[2K');
    console.log(
      `0-column pty, --progress tty: ${result.stdout.length} bytes; SIGTERM -> exit ${Math.round(endMs)} ms`,
    );
  });
});

describe('--progress', () => {
  it('rejects an unknown mode with exit 2, from the option or FAULTLINE_PROGRESS', async () => {
    const file = await writeExperiment(dir, 'waits-bad-progress.yaml', WAITS(1));
    const option = await faultline(['run', file, '--progress', 'fancy']);
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toContain('--progress fancy: expected one of auto, plain, tty');
    const variable = await faultline(['run', file], { env: { FAULTLINE_PROGRESS: 'yes' } });
    expect(variable.exitCode).toBe(2);
    expect(variable.stderr).toContain('FAULTLINE_PROGRESS=yes: expected one of auto, plain, tty');
  });
});

describe('report paths that cannot take a file', () => {
  it('are refused before the run, for every kind, with the path and the reason (exit 3)', async () => {
    const file = await writeExperiment(dir, 'waits-reports.yaml', WAITS(1));
    for (const kind of ['json', 'junit', 'markdown', 'html']) {
      for (const [where, reason] of [
        ['/proc/nope/report', 'is on a kernel pseudo-file system (proc)'],
        ['/sys/nope/report', 'is on a kernel pseudo-file system (sysfs)'],
        [dir, 'it is a folder'],
      ] as const) {
        const started = performance.now();
        const result = await faultline(['run', file, '--report', `${kind}=${where}`], {
          env: { FAULTLINE_STATE_DIR: stateDir },
        });
        expect(performance.now() - started, `${kind}=${where}`).toBeLessThan(10_000);
        expect(result.exitCode, `${kind}=${where}`).toBe(3);
        expect(result.stderr).toContain(`cannot write a report to ${where}: `);
        expect(result.stderr).toContain(reason);
        expect(result.stderr).not.toMatch(STACK_TRACE);
        expect(result.stdout).not.toContain('step');
      }
    }
  });
});

describe('a reader that goes away, and a report that fails at the end (Docker)', () => {
  const prefix = uniquePrefix('terminal');
  const target = `${prefix}-target`;

  beforeAll(async () => {
    await startContainers(prefix, [
      {
        name: 'target',
        labels: { 'com.docker.compose.project': prefix, 'com.docker.compose.service': 'target' },
      },
    ]);
  });

  afterAll(async () => {
    await removeTestContainers(prefix);
  });

  const PAUSE = (extra: string[] = []) =>
    [
      'title: pause behind a closed pipe',
      `scope: { compose: ${prefix} }`,
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      '    every: 100ms',
      'method:',
      '  - pause: { target: { service: target }, duration: 3s }',
      ...extra,
      'recovery: 2s',
    ].join('\n');

  it('`run | head -1`: the run goes on, reverts, and exits as it would have, without a stack trace', async () => {
    const file = await writeExperiment(dir, 'pause-pipe.yaml', PAUSE());
    const { exitCode, stderr } = await withPipeClosedEarly(['run', file]);
    expect(stderr).not.toMatch(/EPIPE|Unhandled|unexpected error/);
    expect(stderr).not.toMatch(STACK_TRACE);
    expect(exitCode).toBe(0);
    expect((await inspectState(target)).paused).toBe(false);
  });

  it('`plan | head`: ends quietly, exit 0, no stack trace', async () => {
    const file = await writeExperiment(dir, 'pause-plan.yaml', PAUSE());
    const { exitCode, stderr } = await withPipeClosedEarly(['plan', ...Array(50).fill(file)]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
  });

  it('a report that fails only at the end still comes after the revert: exit 3, container unpaused', async () => {
    const report = path.join(dir, 'late', 'report.json');
    // The method itself turns the report's path into a folder after the early check passed.
    const file = await writeExperiment(
      dir,
      'pause-late-report.yaml',
      PAUSE([`  - action: { command: [mkdir, -p, ${JSON.stringify(report)}] }`]),
    );
    const result = await faultline(['run', file, '--report', `json=${report}`], {
      env: { FAULTLINE_STATE_DIR: stateDir },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/revert +\S+: /);
    expect(result.stderr).toContain(`cannot write a report to ${report}: it is a folder`);
    expect((await inspectState(target)).paused).toBe(false);
  });
});

describe('control characters in an experiment', () => {
  it('reach neither the terminal nor the Markdown report nor the job summary: they show as escapes', async () => {
    const file = await writeExperiment(
      dir,
      'escapes.yaml',
      [
        'title: "Checkout\\e[2J\\a survives"',
        'description: "clears \\e[H\\e[2J the screen"',
        'hypothesis:',
        '  - name: "probe \\e]0;pwned\\a"',
        '    command: [printf, "\\u001b[2J\\u0007 output"]',
        '    expect: { stdout: { equals: "something else" } }',
        'method:',
        '  - wait: 100ms',
      ].join('\n'),
    );
    const markdown = path.join(dir, 'escapes.md');
    const summary = path.join(dir, 'summary.md');
    const result = await faultline(['run', file, '--report', `markdown=${markdown}`], {
      env: { FAULTLINE_STATE_DIR: stateDir, GITHUB_STEP_SUMMARY: summary },
    });
    const validate = await faultline(['validate', file]);

    expect(result.exitCode).toBe(3);
    for (const text of [
      result.stdout,
      result.stderr,
      validate.stdout,
      await readFile(markdown, 'utf8'),
      await readFile(summary, 'utf8'),
    ]) {
      expect(text).not.toMatch(CONTROL);
    }
    expect(result.stdout).toContain('Checkout\\x1b[2J\\x07 survives');
    expect(result.stdout).toContain('probe \\x1b]0;pwned\\x07');
    expect(result.stdout).toContain('\\x1b[2J\\x07 output');
    expect(validate.stdout).toContain('Checkout\\x1b[2J\\x07 survives');
    expect(await readFile(markdown, 'utf8')).toContain('Checkout\\\\x1b\\[2J\\\\x07 survives');
  });
});
