import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fitWidth, StatusLine } from '../../../src/reporters/spinner.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function terminal(columns: number | undefined) {
  const writes: string[] = [];
  return { writes, stream: { columns, write: (text: string) => writes.push(text) } };
}

describe('StatusLine', () => {
  it('on a terminal that reports 0 columns, redraws one line of at most 80 columns, at its own pace', () => {
    const { writes, stream } = terminal(0);
    const line = new StatusLine('x'.repeat(500), stream, 100).start();
    vi.advanceTimersByTime(10_000);
    line.stop();
    // 1 first frame + 100 timed frames + the final erase: bounded, whatever the terminal reports.
    expect(writes.length).toBe(102);
    for (const write of writes.slice(0, -1)) {
      expect(write.startsWith('\r\u001b[2K')).toBe(true);
      expect([...write.slice('\r\u001b[2K'.length)].length).toBeLessThanOrEqual(80);
      expect(write).not.toContain('\n');
    }
    expect(writes.at(-1)).toBe('\r\u001b[2K');
    expect(writes.join('').length).toBeLessThan(102 * 100);
  });

  it('fits the text to the width the terminal reports', () => {
    const { writes, stream } = terminal(20);
    new StatusLine('checking the baseline of a long experiment', stream).start().stop();
    expect(writes[0]).toMatch(/^\r\u001b\[2K. checking the bas…$/);
  });

  it('shows control characters in its text as escapes, and never hides the cursor', () => {
    const { writes, stream } = terminal(80);
    const line = new StatusLine('a\u001b[2Jb', stream).start();
    line.text = 'c\u0007d\ne';
    line.stop();
    const drawn = writes.join('');
    expect(drawn).toContain('a\\x1b[2Jb');
    expect(drawn).toContain('c\\x07d\\ne');
    expect(drawn).not.toContain('\u0007');
    expect(drawn).not.toContain('?25l');
  });

  it('stops drawing once the stream is gone', () => {
    const writes: string[] = [];
    const stream = { columns: 80, destroyed: false, write: (text: string) => writes.push(text) };
    new StatusLine('x', stream, 100).start();
    stream.destroyed = true;
    vi.advanceTimersByTime(1000);
    expect(writes).toHaveLength(1);
  });
});

describe('fitWidth', () => {
  it('keeps text that fits and cuts the rest with an ellipsis, counting wide characters as two', () => {
    expect(fitWidth('abc', 3)).toBe('abc');
    expect(fitWidth('abcdef', 4)).toBe('abc…');
    expect(fitWidth('日本語テキスト', 6)).toBe('日本…');
  });
});
