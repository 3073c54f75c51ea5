import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FdWriter } from '../../../src/cli/fd-writer.js';

/** Standard output to a pipe or a file is written on the descriptor: real files and FIFOs here. */
const dir = mkdtempSync(path.join(tmpdir(), 'faultline-fd-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A FIFO opened at both ends without blocking: [read end, write end]. */
function fifo(name: string): [number, number] {
  const file = path.join(dir, name);
  execFileSync('mkfifo', [file]);
  const reader = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(file, constants.O_WRONLY | constants.O_NONBLOCK);
  return [reader, writer];
}

function drain(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65536);
  for (;;) {
    let count = 0;
    try {
      count = readSync(fd, buffer);
    } catch {
      break;
    }
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

const noStream = () => {
  throw new Error('Node stream not expected');
};

describe('FdWriter', () => {
  it('writes text and bytes to the descriptor in order, and calls back', () => {
    const file = path.join(dir, 'out.txt');
    const fd = openSync(file, 'w');
    const writer = new FdWriter(fd, noStream);
    let called = 0;
    writer.write('valid   a.yaml  ✓\n');
    writer.write(Buffer.from('second\n'), () => called++);
    writer.write('third\n', 'utf8', () => called++);
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe('valid   a.yaml  ✓\nsecond\nthird\n');
    expect(called).toBe(2);
    expect(writer.isTTY).toBe(false);
  });

  it('reports a reader that went away (EPIPE) once, then drops what follows', () => {
    const [reader, fd] = fifo('gone');
    closeSync(reader);
    const writer = new FdWriter(fd, noStream);
    const errors: string[] = [];
    writer.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? ''));
    expect(writer.write('first\n')).toBe(true);
    writer.write('second\n');
    closeSync(fd);
    expect(errors).toEqual(['EPIPE']);
    expect(writer.destroyed).toBe(true);
  });

  it("hands a write the pipe cannot take now (EAGAIN), and everything after it, to Node's stream", () => {
    const [reader, fd] = fifo('full');
    const handed: string[] = [];
    const stream = { write: (chunk: Uint8Array | string) => handed.push(Buffer.from(chunk).toString()) > 0 };
    let asked = 0;
    const writer = new FdWriter(fd, () => {
      asked++;
      return stream as unknown as NodeJS.WritableStream;
    });
    // More than a pipe holds, with nobody reading yet.
    const lines = Array.from(
      { length: 4000 },
      (_, i) => `line ${String(i).padStart(5, '0')} of the report\n`,
    );
    for (const line of lines) writer.write(line);
    const direct = drain(reader);
    closeSync(reader);
    closeSync(fd);
    expect(asked).toBe(1);
    expect(handed.length).toBeGreaterThan(0);
    expect(direct + handed.join('')).toBe(lines.join(''));
  });
});
