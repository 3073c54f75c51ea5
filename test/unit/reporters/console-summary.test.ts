import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { ConsoleReporter, sessionCounts } from '../../../src/reporters/console.js';
import { deviatedRun, erroredRun, revertFailedRun, session } from './fixtures.js';

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}

describe('the last line of a multi-file run', () => {
  const passed = () => deviatedRun({ outcome: 'passed', exitCode: 0, file: 'experiments/ok.yaml' });
  const invalid = [{ file: 'bad.yaml', message: 'bad.yaml is not a valid experiment:\nbad.yaml:1:1 x' }];

  it('counts passed, deviated, errored and invalid, then gives the exit code and the time', () => {
    let written = '';
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        written += String(chunk);
        callback();
      },
    });
    const output = {
      stdout: sink,
      stderr: sink,
      interactive: false,
      colors: new Chalk({ level: 0 }),
      terminal: { write: () => true },
    };
    new ConsoleReporter(output).onSessionEnd(
      session([passed(), deviatedRun(), erroredRun()], { invalid, exitCode: 3, durationMs: 65_000 }),
    );
    expect(lastLine(written).replace(/^\S+ /, '')).toBe(
      '4 experiments: 1 passed, 1 deviated, 1 errored, 1 invalid (exit 3, 1m5s)',
    );
  });

  it('always says how many passed, and names the rarer outcomes only when they happened', () => {
    expect(sessionCounts(session([], { invalid: [...invalid, ...invalid] }))).toBe(
      '2 experiments: 0 passed, 2 invalid',
    );
    expect(
      sessionCounts(
        session([
          revertFailedRun(),
          { ...erroredRun(), outcome: 'aborted' },
          { ...erroredRun(), outcome: 'interrupted' },
        ]),
      ),
    ).toBe('3 experiments: 0 passed, 1 aborted, 1 revert failed, 1 interrupted');
  });
});
