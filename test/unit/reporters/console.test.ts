import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsoleReporter, describeHeld } from '../../../src/reporters/console.js';
import type { Spinner } from '../../../src/reporters/spinner.js';
import type { Output } from '../../../src/util/output.js';
import {
  api,
  at,
  db,
  deviatedRun,
  entry,
  erroredRun,
  revertFailedRun,
  START,
  sample,
  session,
} from './fixtures.js';

/** Collects what the reporter writes, as the terminal would receive it (no filtering stream between). */
function capture(options: { interactive?: boolean; colorLevel?: 0 | 1 } = {}) {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const statusLines: string[] = [];
  const output: Output = {
    stdout: sink,
    stderr: sink,
    interactive: options.interactive ?? false,
    colors: new Chalk({ level: options.colorLevel ?? 0 }),
    terminal: { columns: 80, write: (text: string) => statusLines.push(text) },
  };
  return { output, text: () => chunks.join(''), statusLines };
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('ConsoleReporter: text from the experiment and the system', () => {
  it('shows control characters as escapes: a title cannot clear the screen or ring the bell', () => {
    const { output, text } = capture();
    const reporter = new ConsoleReporter(output);
    reporter.onRunStart({
      file: 'evil\u001b]0;pwned\u0007.yaml',
      title: 'Checkout\u001b[2J\u0007',
      seed: 1,
      startedAt: START,
    });
    reporter.onEvent(entry(10, { type: 'step-start', step: 'method[0]', label: 'wait\r1s' }));
    reporter.onEvent(
      entry(20, {
        type: 'probe',
        sample: sample(20, {
          probe: 'name\u009b2J',
          status: 'fail',
          reason: 'body: saw "\u001b[31mred\u001b[0m\nPASSED"',
        }),
      }),
    );
    reporter.onEvent(entry(30, { type: 'log', level: 'warn', message: 'first line\nsecond\u0000line' }));
    reporter.onEvent(
      entry(40, {
        type: 'step-end',
        step: 'method[0]',
        label: 'wait 1s',
        status: 'failed',
        durationMs: 1,
        error: 'boom\u001b[H',
      }),
    );
    reporter.onRunEnd(deviatedRun({ title: 'T\u0007', summary: 'bad\u001b[2J' }));
    const out = text();
    expect(out).not.toMatch(CONTROL);
    expect(out).toContain('Checkout\\x1b[2J\\x07');
    expect(out).toContain('evil\\x1b]0;pwned\\x07.yaml');
    expect(out).toContain('wait\\r1s');
    expect(out).toContain('name\\x9b2J');
    // A reason is one line: a line feed in it cannot forge a line of its own.
    expect(out).toContain('saw "\\x1b[31mred\\x1b[0m\\nPASSED"');
    // A log message keeps its line breaks.
    expect(out).toContain('first line\nsecond\\x00line');
    expect(out).toContain('failed: boom\\x1b[H');
    expect(out).toContain('bad\\x1b[2J');
  });

  it('keeps its own colours', () => {
    const { output, text } = capture({ colorLevel: 1 });
    const reporter = new ConsoleReporter(output);
    reporter.onRunStart({ file: 'a.yaml', title: 'Title\u001b[2J', seed: 1, startedAt: START });
    expect(text()).toContain('\u001b[1mTitle\\x1b[2J\u001b[22m');
  });

  it('draws the step in progress on the status line only when interactive', () => {
    const plain = capture();
    new ConsoleReporter(plain.output).onEvent(entry(0, { type: 'phase', phase: 'before' }));
    expect(plain.statusLines).toEqual([]);

    const live = capture({ interactive: true });
    const spinners: string[] = [];
    const reporter = new ConsoleReporter(live.output, {
      createSpinner: (text) => {
        spinners.push(text);
        const spinner: Spinner = { text, start: () => spinner, stop: () => spinner };
        return spinner;
      },
    });
    reporter.onEvent(entry(0, { type: 'phase', phase: 'before' }));
    expect(spinners).toEqual(['checking the baseline']);
  });
});

describe('ConsoleReporter: heartbeat while faults are held (plain mode)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(at(0)));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('every 10 s says the samples so far, the misses, what is held and how long is left', () => {
    const { output, text } = capture();
    const reporter = new ConsoleReporter(output);
    reporter.onRunStart({ file: 'a.yaml', title: 'T', seed: 1, startedAt: START });
    reporter.onEvent(
      entry(0, {
        type: 'fault-injected',
        faultId: 'pause-1',
        fault: 'pause',
        target: db,
        detail: 'paused',
        holdMs: 30_000,
      }),
    );
    reporter.onEvent(
      entry(0, { type: 'fault-injected', faultId: 'delay-2', fault: 'delay', target: api, detail: '200ms' }),
    );
    for (let i = 0; i < 12; i++) {
      reporter.onEvent(
        entry(i * 500, {
          type: 'probe',
          sample: sample(i * 500, { phase: 'during', status: i % 4 === 0 ? 'fail' : 'pass' }),
        }),
      );
    }
    vi.advanceTimersByTime(9_999);
    expect(text()).not.toContain('held');
    vi.advanceTimersByTime(1);
    const beats = () =>
      text()
        .split('\n')
        .filter((line) => line.includes(' held '));
    expect(beats()).toHaveLength(1);
    expect(beats()[0]).toContain(
      'pause on shop-db-1 (20s left); delay on shop-api-1 (until the method ends)',
    );
    expect(beats()[0]).toContain('during: 12 samples, 3 missed');
    vi.advanceTimersByTime(10_000);
    expect(beats()).toHaveLength(2);
    expect(beats()[1]).toContain('pause on shop-db-1 (10s left)');

    reporter.onEvent(
      entry(25_000, {
        type: 'fault-reverted',
        faultId: 'pause-1',
        fault: 'pause',
        target: db,
        status: 'reverted',
        detail: 'unpaused',
        heldMs: 25_000,
      }),
    );
    reporter.onEvent(
      entry(25_000, {
        type: 'fault-reverted',
        faultId: 'delay-2',
        fault: 'delay',
        target: api,
        status: 'reverted',
        detail: 'removed',
        heldMs: 25_000,
      }),
    );
    vi.advanceTimersByTime(60_000);
    expect(beats()).toHaveLength(2);
  });

  it('prints no heartbeat on the interactive status line', () => {
    const { output, text } = capture({ interactive: true });
    const spinner: Spinner = { text: '', start: () => spinner, stop: () => spinner };
    const reporter = new ConsoleReporter(output, { createSpinner: () => spinner });
    reporter.onEvent(
      entry(0, { type: 'fault-injected', faultId: 'p', fault: 'pause', target: db, detail: 'paused' }),
    );
    vi.advanceTimersByTime(30_000);
    expect(text()).not.toContain(' held ');
  });

  it('groups targets held by the same kind until the same moment', () => {
    const now = Date.parse(at(0));
    expect(
      describeHeld(
        [
          { kind: 'pause', target: 'a', until: now + 4_500 },
          { kind: 'pause', target: 'b', until: now + 4_500 },
          { kind: 'loss', target: 'c\u001b[2J', until: undefined },
        ],
        now,
      ),
    ).toBe('pause on a, b (5s left); loss on c\\x1b[2J (until the method ends)');
  });
});

describe('ConsoleReporter: the verdict', () => {
  it('names each outcome in its colour, and lists every run and invalid file at the end of a session', () => {
    const { output, text } = capture({ interactive: true, colorLevel: 1 });
    const reporter = new ConsoleReporter(output);
    reporter.onRunEnd(deviatedRun({ summary: 'fragile' }));
    reporter.onRunEnd({ ...revertFailedRun(), summary: 'left' });
    reporter.onRunEnd({ ...erroredRun(), outcome: 'aborted', exitCode: 5, summary: 'guard' });
    reporter.onSessionEnd(
      session([revertFailedRun(), erroredRun()], { invalid: [{ file: 'bad.yaml', message: 'no' }] }),
    );
    const lines = text().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(/^\u001b\[31m\u001b\[1mDEVIATED\u001b\[22m\u001b\[39m fragile /),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\u001b\[35m\u001b\[1mREVERT FAILED\u001b\[22m\u001b\[39m left /),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\u001b\[35m\u001b\[1mABORTED\u001b\[22m\u001b\[39m guard /),
    );
    expect(lines).toContain(
      '  REVERT FAILED experiments/slow-api.yaml  \u001b[2mOrders tolerate a slow API\u001b[22m',
    );
    expect(lines).toContain(
      '  ERRORED       experiments/baseline.yaml  \u001b[2mSearch survives a killed cache\u001b[22m',
    );
    expect(lines).toContain('  INVALID       bad.yaml');
  });
});

describe('ConsoleReporter: probe marks', () => {
  const lines = (text: string) => text.split('\n').map((line) => line.replace(/^\S+ /, ''));

  it('marks each sample ok, MISS or ERR, in green, red and magenta', () => {
    const { output, text } = capture({ colorLevel: 1 });
    const reporter = new ConsoleReporter(output);
    for (const status of ['pass', 'fail', 'error'] as const) {
      reporter.onEvent(entry(10, { type: 'probe', sample: sample(10, { status, reason: status }) }));
    }
    const c = new Chalk({ level: 1 });
    expect(lines(text()).slice(0, 3)).toEqual(
      [c.green('ok  '), c.red('MISS'), c.magenta('ERR ')].map(
        (mark, i) =>
          `  ${c.dim('before ')}  ${mark} checkout responds  ${c.dim(['pass', 'fail', 'error'][i])}`,
      ),
    );
  });

  it('sums up each during probe as ok, MISS (a failure or an error) or -- (not run)', () => {
    const { output, text } = capture();
    const run = deviatedRun();
    const during = (probe: string, status: 'pass' | 'fail' | 'error' | 'not-run') => ({
      probe,
      phase: 'during' as const,
      status,
      samples: 4,
      failures: status === 'pass' ? 0 : 2,
      reason: '',
    });
    run.probes = [during('a', 'pass'), during('b', 'fail'), during('c', 'error'), during('d', 'not-run')];
    new ConsoleReporter(output).onRunEnd(run);
    expect(lines(text()).slice(0, 4)).toEqual([
      '  during   ok   a  4/4 samples met the hypothesis',
      '  during   MISS b  2/4 samples met the hypothesis',
      '  during   MISS c  2/4 samples met the hypothesis',
      '  during   --   d  2/4 samples met the hypothesis',
    ]);
  });
});
