import { describe, expect, it } from 'vitest';
import { parseProgress } from '../../../src/cli/commands/progress-option.js';
import { autoProgress, detectOutput, hasRealSize, withProgress } from '../../../src/cli/output.js';
import { InvalidInputError } from '../../../src/errors.js';

const terminal = { isTTY: true, columns: 120, rows: 40 };

describe('autoProgress', () => {
  it('draws a status line on an interactive terminal with a real size', () => {
    expect(autoProgress({}, terminal, terminal)).toBe(true);
  });

  it('prints plain lines on a pseudo-terminal without a window size (0 columns or 0 rows)', () => {
    expect(autoProgress({}, terminal, { isTTY: true, columns: 0, rows: 0 })).toBe(false);
    expect(autoProgress({}, terminal, { isTTY: true, columns: 80, rows: 0 })).toBe(false);
    expect(autoProgress({}, terminal, { isTTY: true, columns: undefined })).toBe(false);
  });

  it('prints plain lines in CI, on a dumb terminal and when either stream is not a terminal', () => {
    expect(autoProgress({ CI: 'true' }, terminal, terminal)).toBe(false);
    expect(autoProgress({ CI: 'false' }, terminal, terminal)).toBe(true);
    expect(autoProgress({ TERM: 'dumb' }, terminal, terminal)).toBe(false);
    expect(autoProgress({}, { isTTY: false }, terminal)).toBe(false);
    expect(autoProgress({}, terminal, { ...terminal, isTTY: false })).toBe(false);
  });

  it('accepts an unknown row count but not an unknown column count', () => {
    expect(hasRealSize({ columns: 80 })).toBe(true);
    expect(hasRealSize({ rows: 24 })).toBe(false);
  });
});

describe('withProgress', () => {
  const output = detectOutput({}, fakeStream(terminal), fakeStream(terminal));

  it('keeps the detected choice for auto and forces it for plain and tty', () => {
    expect(output.interactive).toBe(true);
    expect(withProgress(output, 'auto').interactive).toBe(true);
    expect(withProgress(output, 'plain').interactive).toBe(false);
    const plain = detectOutput(
      {},
      fakeStream({ isTTY: true, columns: 0, rows: 0 }),
      fakeStream({ isTTY: true, columns: 0, rows: 0 }),
    );
    expect(plain.interactive).toBe(false);
    expect(withProgress(plain, 'tty').interactive).toBe(true);
  });
});

describe('parseProgress', () => {
  it('takes --progress first, then FAULTLINE_PROGRESS, then auto', () => {
    expect(parseProgress({ progress: 'plain' }, { FAULTLINE_PROGRESS: 'tty' })).toBe('plain');
    expect(parseProgress({}, { FAULTLINE_PROGRESS: 'tty' })).toBe('tty');
    expect(parseProgress({}, {})).toBe('auto');
  });

  it('names the option or the variable and the accepted values', () => {
    expect(() => parseProgress({ progress: 'fancy' }, {})).toThrow(InvalidInputError);
    expect(() => parseProgress({ progress: 'fancy' }, {})).toThrow(
      '--progress fancy: expected one of auto, plain, tty',
    );
    expect(() => parseProgress({}, { FAULTLINE_PROGRESS: 'yes' })).toThrow(
      'FAULTLINE_PROGRESS=yes: expected one of auto, plain, tty',
    );
  });
});

function fakeStream(facts: {
  isTTY?: boolean;
  columns?: number | undefined;
  rows?: number;
}): NodeJS.WriteStream {
  return {
    ...facts,
    write: () => true,
    on: () => undefined,
    getColorDepth: () => 8,
  } as unknown as NodeJS.WriteStream;
}
