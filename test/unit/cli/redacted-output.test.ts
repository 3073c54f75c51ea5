import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { redactOutput, redactStream } from '../../../src/cli/redacted-output.js';
import { Redactor } from '../../../src/util/redact.js';

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const redactor = new Redactor();
redactor.add('TOKEN', 'out-line-one\nout-line-two');

describe('redactStream', () => {
  it('hides secrets in string and buffer writes, keeping callbacks', async () => {
    const { stream, text } = captured();
    const safe = redactStream(stream, redactor);
    await new Promise<void>((resolve) =>
      safe.write('error header "Bearer out-line-one\nout-line-two"\n', () => resolve()),
    );
    await new Promise<void>((resolve) => safe.write(Buffer.from('hint  out-line-two\n'), () => resolve()));
    safe.write(Buffer.from('plain bytes\n'));
    expect(text()).toBe('error header "Bearer [secret TOKEN]"\nhint  [secret TOKEN]\nplain bytes\n');
  });

  it('leaves everything else of the stream reachable (isTTY, columns, methods bound to the stream)', () => {
    const { stream } = captured();
    const tty = Object.assign(stream, { isTTY: true, columns: 120 });
    const safe = redactStream(tty, redactor);
    expect(safe.isTTY).toBe(true);
    expect(safe.columns).toBe(120);
    const { end } = safe;
    expect(() => end()).not.toThrow();
    expect(stream.writableEnded).toBe(true);
  });
});

describe('redactOutput', () => {
  it('wraps stdout and stderr and keeps the rest of the output settings', () => {
    const out = captured();
    const err = captured();
    const colors = new Chalk({ level: 0 });
    const output = redactOutput(
      { stdout: out.stream, stderr: err.stream, interactive: false, colors, terminal: err.stream },
      redactor,
    );
    output.stdout.write('a out-line-one b\n');
    output.stderr.write('c out-line-two d\n');
    output.terminal.write('e out-line-one f\n');
    expect(out.text()).toBe('a [secret TOKEN] b\n');
    expect(err.text()).toBe('c [secret TOKEN] d\ne [secret TOKEN] f\n');
    expect(output.colors).toBe(colors);
    expect(output.interactive).toBe(false);
  });
});
