import { EventEmitter } from 'node:events';
import { fstatSync, writeSync } from 'node:fs';

/**
 * Standard output or error when it is not a terminal (a pipe or a file: what a CI log reads), written
 * with write(2) on the descriptor. Node's own `process.stdout` on a pipe is a socket, and building it
 * loads Node's network modules: a few milliseconds of every command's start. Writes are synchronous,
 * as `process.stdout`'s are on Linux for pipes and files, so output stays in order.
 *
 * A descriptor set non-blocking by whoever shares it may refuse a write (EAGAIN: the reader is slow):
 * what is left, and everything after, then goes through Node's stream, which waits for the reader. A
 * reader that went away (EPIPE) emits 'error' once, as a stream does, and later writes are dropped.
 */
export class FdWriter extends EventEmitter {
  readonly isTTY = false;
  readonly columns = undefined;
  destroyed = false;
  private stream: NodeJS.WritableStream | undefined;

  constructor(
    private readonly fd: number,
    private readonly nodeStream: () => NodeJS.WritableStream,
  ) {
    super();
  }

  write(chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
    const done = [encoding, callback].find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (this.stream) return this.stream.write(chunk, done);
    if (!this.destroyed) this.writeAll(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    done?.();
    return true;
  }

  private writeAll(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          this.stream = this.nodeStream();
          this.stream.write(bytes.subarray(offset));
          return;
        }
        this.destroyed = true;
        if (this.listenerCount('error') > 0) this.emit('error', error);
        return;
      }
    }
  }
}

/** Node's stream for standard output (1) or error (2). */
export const nodeStream = (fd: 1 | 2): NodeJS.WriteStream => (fd === 1 ? process.stdout : process.stderr);

/**
 * Whether standard output or error is a terminal, without loading Node's tty module (which loads its
 * network modules) when it plainly is not: only a character device can be one, and for those (a
 * terminal, /dev/null) Node's stream is cheap to build and knows.
 */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return nodeStream(fd).isTTY === true;
}
