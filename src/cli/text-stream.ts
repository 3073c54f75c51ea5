import { Writable } from 'node:stream';
import { visibleKeepingColours } from '../util/control-chars.js';

/** Where a TextStream writes: Node's stream, or an FdWriter. */
export interface TextTarget {
  write(text: string): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly destroyed?: boolean;
}

/**
 * What commands write their output to. Text only: colour sequences pass, every other control
 * character (from a title, a probe's output, an error) is shown as an escape such as `\x1b`. A reader
 * that goes away (`faultline run … | head -1` closes the pipe: EPIPE) is not an error: later output is
 * dropped and the command carries on, so a run still reverts everything and ends with its own exit
 * code.
 */
export class TextStream extends Writable {
  private broken = false;

  constructor(private readonly target: TextTarget) {
    super({ decodeStrings: false });
    // Without a listener, an EPIPE on the target would be an uncaught exception ending the process.
    target.on('error', () => {
      this.broken = true;
    });
  }

  /** True once the reader has gone away: nothing more reaches it. */
  get isBroken(): boolean {
    return this.broken || this.target.destroyed === true;
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (!this.isBroken) {
      try {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        this.target.write(visibleKeepingColours(text));
      } catch {
        this.broken = true;
      }
    }
    // Output is best effort: a write that cannot reach the reader never fails the command.
    callback();
  }
}
