import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { framable, frame, HelperSession, HelperSessionEnded } from '../../../src/network/helper-session.js';

/** A helper whose program is played by the test: what was sent to it, and a way to answer. */
function fakeHelper() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const sent: string[] = [];
  stdin.on('data', (chunk: Buffer) => sent.push(chunk.toString()));
  const session = new HelperSession({ id: 'h1', stdin, stdout, stderr });
  return { session, sent, stdout, stderr };
}

const answer = (code: number, out: string, err: string) =>
  `${code} ${Buffer.byteLength(out)} ${Buffer.byteLength(err)}\n${out}${err}`;

describe('framing', () => {
  it('sends the argument count, the input line count, each argument, then the input', () => {
    expect(frame(['iptables-restore', '--noflush'], '*filter\nCOMMIT\n')).toBe(
      '2 2\niptables-restore\n--noflush\n*filter\nCOMMIT\n',
    );
    expect(frame(['tc', 'qdisc', 'show'], undefined)).toBe('3 0\ntc\nqdisc\nshow\n');
  });

  it('leaves to exec what cannot be framed: a newline in an argument, input not ending a line', () => {
    expect(framable(['echo', 'a\nb'], undefined)).toBe(false);
    expect(framable(['cat'], 'no newline at the end')).toBe(false);
    expect(framable(['cat'], 'one line\n')).toBe(true);
    expect(framable(['true'], '')).toBe(true);
    expect(framable([], undefined)).toBe(false);
  });
});

describe('HelperSession', () => {
  it('reads an answer that arrives in pieces, multi-byte text included', async () => {
    const { session, stdout } = fakeHelper();
    const running = session.run(['echo'], undefined, 1000);
    const bytes = Buffer.from(answer(3, 'héllo\n', 'wörld\n'));
    for (const byte of bytes) stdout.write(Buffer.from([byte]));
    expect(await running).toEqual({ exitCode: 3, stdout: 'héllo\n', stderr: 'wörld\n' });
  });

  it('sends commands one at a time and gives each its own answer', async () => {
    const { session, sent, stdout } = fakeHelper();
    const first = session.run(['a'], undefined, 1000);
    const second = session.run(['b'], undefined, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['1 0\na\n']);
    stdout.write(answer(0, 'A', ''));
    expect(await first).toMatchObject({ stdout: 'A' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['1 0\na\n', '1 0\nb\n']);
    stdout.write(answer(1, 'B', ''));
    expect(await second).toMatchObject({ exitCode: 1, stdout: 'B' });
  });

  it('reports a helper that ended, with what it printed on stderr, to this and every later command', async () => {
    const { session, stdout, stderr } = fakeHelper();
    const running = session.run(['a'], undefined, 1000);
    stderr.write('sh: cannot create /tmp/in: Read-only file system\n');
    await new Promise((resolve) => setImmediate(resolve));
    stdout.end();
    await expect(running).rejects.toThrow(
      'the helper stopped: sh: cannot create /tmp/in: Read-only file system',
    );
    await expect(session.run(['b'], undefined, 1000)).rejects.toBeInstanceOf(HelperSessionEnded);
  });

  it('gives up on a command that is not answered in time, and says it timed out', async () => {
    const { session } = fakeHelper();
    const error = await session.run(['sleep', '99'], undefined, 50).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HelperSessionEnded);
    expect(error).toMatchObject({ timedOut: true, message: 'no answer within 0.05 s' });
  });

  it('starts by sending the start marker on a line of its own, and takes the empty answer to it', async () => {
    const { session, sent, stdout } = fakeHelper();
    const started = session.start(1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['\nfaultline-session-start\n']);
    stdout.write(answer(0, '', ''));
    await expect(started).resolves.toBeUndefined();
  });

  it('fails to start when the program answers the marker with anything else', async () => {
    const { session, stdout } = fakeHelper();
    const started = session.start(1000);
    stdout.write(answer(0, 'oops', ''));
    await expect(started).rejects.toBeInstanceOf(HelperSessionEnded);
  });
});
