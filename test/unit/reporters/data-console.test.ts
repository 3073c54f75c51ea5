import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { ConsoleReporter } from '../../../src/reporters/console.js';
import type { Spinner } from '../../../src/reporters/spinner.js';
import type { Output } from '../../../src/util/output.js';
import { dataRun, unjudgedRun, WORKLOAD } from './data-fixtures.js';
import { deviatedRun } from './fixtures.js';

/** What the reporter writes at the end of a run, as a terminal or a CI log receives it. */
function runEnd(
  run = dataRun(),
  options: { interactive?: boolean; columns?: number; colorLevel?: 0 | 1 } = {},
) {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const output: Output = {
    stdout: sink,
    stderr: sink,
    interactive: options.interactive ?? false,
    colors: new Chalk({ level: options.colorLevel ?? 0 }),
    terminal: { columns: options.columns ?? 80, write: () => undefined },
  };
  const spinner: Spinner = {
    text: '',
    start() {
      return this;
    },
    stop() {},
  } as unknown as Spinner;
  new ConsoleReporter(output, { createSpinner: () => spinner }).onRunEnd(run);
  return chunks.join('');
}

/** Lines without the plain mode's timestamp. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ''))
    .filter((line) => line !== '');
}

describe('ConsoleReporter: the data and detection lines at the end of a run', () => {
  it('prints one line per workload: its writes, what became of them, and availability per phase', () => {
    expect(lines(runEnd())).toContain(
      `  data     MISS ${WORKLOAD}  731 writes, 629 acknowledged, 3 lost, 1 duplicate, 17 indeterminate, 29 skipped; available before 100% during 40.4% after 100%`,
    );
  });

  it('prints one line per detection: after how long it noticed the fault, or that it did not', () => {
    const out = lines(runEnd());
    expect(out).toContain('  detect   ok   the error-rate alert fires  detected after 6.2s (within 30s)');
    expect(out).toContain(
      '  detect   MISS replication lag is seen  NOT detected within 10s: value: expected > 5, saw 0.4',
    );
    // The detection's line replaces its during summary.
    expect(out.join('\n')).not.toMatch(/during .*detect: /);
    // And the outcome comes last.
    expect(out.at(-1)).toMatch(/^DEVIATED /);
  });

  it('says so when a workload could not be judged, and when no fault gave a check anything to detect', () => {
    const out = lines(runEnd(unjudgedRun('read-back: HTTP 500')));
    expect(out).toContain(`  data     ERR  ${WORKLOAD}  not judged: read-back: HTTP 500`);
    expect(out).toContain('  detect   --   alert fires  not checked: no fault was injected');
  });

  it('reads the same without colour: the marks are words, and colour only adds escapes', () => {
    const plain = runEnd(dataRun(), { interactive: true, columns: 400 });
    const coloured = runEnd(dataRun(), { interactive: true, columns: 400, colorLevel: 1 });
    expect(plain).not.toContain('\u001b');
    expect(coloured).toContain('\u001b[');
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });

  it('wraps on a narrow terminal, every line within its width and nothing lost', () => {
    const narrow = runEnd(dataRun(), { interactive: true, columns: 60 });
    const data = narrow.split('\n');
    const start = data.findIndex((line) => line.startsWith('  data '));
    expect(data[start]).toBe(`  data     MISS ${WORKLOAD}`);
    const continued = data.slice(
      start + 1,
      data.findIndex((line) => line.startsWith('  detect ')),
    );
    for (const line of continued) {
      expect(line.length).toBeLessThanOrEqual(60);
      expect(line).toMatch(/^ {16}\S/);
    }
    expect(continued.map((line) => line.trim()).join(' ')).toBe(
      '731 writes, 629 acknowledged, 3 lost, 1 duplicate, 17 indeterminate, 29 skipped; available before 100% during 40.4% after 100%',
    );
    // In a CI log (not a terminal), a line is never broken.
    expect(
      lines(runEnd(dataRun(), { columns: 60 })).filter((line) => line.startsWith('  data')),
    ).toHaveLength(1);
  });

  it('prints nothing of the kind for a run without workloads or detection checks', () => {
    const out = runEnd(deviatedRun());
    expect(out).not.toMatch(/^\s*(data|detect) /m);
  });
});
