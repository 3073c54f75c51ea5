import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TextStream } from '../../../src/cli/text-stream.js';
import { visible, visibleKeepingColours, visibleLine } from '../../../src/util/control-chars.js';

/** A stream like process.stdout on a pipe whose reader has gone: every write fails with EPIPE. */
class ClosedPipe extends EventEmitter {
  readonly written: string[] = [];
  closed = false;
  write(text: string): boolean {
    if (!this.closed) {
      this.written.push(text);
      return true;
    }
    const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    process.nextTick(() => this.emit('error', error));
    return false;
  }
}

describe('TextStream', () => {
  it('goes on quietly when the reader has gone (EPIPE): no exception, later output dropped', async () => {
    const pipe = new ClosedPipe();
    const stream = new TextStream(pipe as unknown as NodeJS.WritableStream);
    stream.write('first\n');
    pipe.closed = true;
    stream.write('second\n');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stream.isBroken).toBe(true);
    expect(() => stream.write('third\n')).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pipe.written).toEqual(['first\n']);
  });

  it('passes colours and line breaks, shows every other control character', () => {
    const pipe = new ClosedPipe();
    const stream = new TextStream(pipe as unknown as NodeJS.WritableStream);
    stream.write('\u001b[1mtitle\u001b[22m \u001b[2J\u0007\u009b\r\n\tnext\n');
    expect(pipe.written).toEqual(['\u001b[1mtitle\u001b[22m \\x1b[2J\\x07\\x9b\\r\n\tnext\n']);
  });
});

describe('visible', () => {
  it('escapes C0, DEL, C1 and bidirectional controls; keeps line feeds and tabs unless told', () => {
    expect(visible('a\u0000b\u0007c\u001b[2Jd\u007fe\u0085f\u202eg\nh\ti')).toBe(
      'a\\x00b\\x07c\\x1b[2Jd\\x7fe\\x85f\\u202eg\nh\ti',
    );
    expect(visibleLine('a\nb\tc')).toBe('a\\nb\tc');
    expect(visible('a\tb', { tabs: false })).toBe('a\\tb');
  });

  it('keeps colour sequences only in the whole-chunk form', () => {
    expect(visibleKeepingColours('\u001b[38;2;1;2;3mx\u001b[39m\u001b[H')).toBe(
      '\u001b[38;2;1;2;3mx\u001b[39m\\x1b[H',
    );
    expect(visible('\u001b[31mx')).toBe('\\x1b[31mx');
  });
});
