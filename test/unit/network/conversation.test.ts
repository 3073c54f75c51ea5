import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Conversation } from '../../../src/network/conversation.js';

/** The conversation started as nsenter would start it, minus the namespace: `env sh -c …`. */
const talk = (commands: string[][], timeoutMs = 10_000) => new Conversation('env', [], commands, timeoutMs);

describe('a conversation: a look, then the follow-up the caller picks, in one process', () => {
  it("returns the look's output, then runs the chosen follow-up with its input", async () => {
    const conversation = talk([
      ['sh', '-c', 'printf "*filter\\n:INPUT ACCEPT [0:0]\\nCOMMIT\\n"; echo note >&2'],
      ['sh', '-c', 'echo never'],
      ['sh', '-c', 'cat; echo done >&2'],
    ]);
    expect(await conversation.look).toEqual({
      exitCode: 0,
      stdout: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n',
      stderr: 'note\n',
    });
    expect(conversation.waiting).toBe(true);
    expect(await conversation.answer(1, '-A X -j DROP\nCOMMIT\n')).toEqual({
      exitCode: 0,
      stdout: '-A X -j DROP\nCOMMIT\n',
      stderr: 'done\n',
    });
    expect(conversation.waiting).toBe(false);
    await conversation.end();
  });

  it('returns a long look whole, read in many chunks, with characters that span two of them', async () => {
    const lines = 20_000;
    const conversation = talk([
      [
        'sh',
        '-c',
        `i=0; while [ $i -lt ${lines} ]; do printf 'rule %d \u00e9\\n' $i; i=$((i + 1)); done; printf 'half\\n' >&2`,
      ],
      ['cat'],
    ]);
    const expected = Array.from({ length: lines }, (_, i) => `rule ${i} \u00e9\n`).join('');
    expect(await conversation.look).toEqual({ exitCode: 0, stdout: expected, stderr: 'half\n' });
    expect((await conversation.answer(0, 'after\n')).stdout).toBe('after\n');
  });

  it('passes arguments as they are: spaces, quotes and shell words are never parsed', async () => {
    const odd = `it's "quoted"; $(echo no) * \\n`;
    const conversation = talk([
      ['printf', '%s', odd],
      ['printf', '%s|%s', odd, 'two words'],
    ]);
    expect((await conversation.look).stdout).toBe(odd);
    expect((await conversation.answer(0)).stdout).toBe(`${odd}|two words`);
  });

  it("reports a follow-up's refusal: its exit code and stderr, apart from the look's", async () => {
    const conversation = talk([
      ['sh', '-c', 'echo "look warning" >&2; exit 2'],
      ['sh', '-c', 'cat >/dev/null; echo "Error occurred at line: 3" >&2; exit 1'],
    ]);
    expect(await conversation.look).toEqual({ exitCode: 2, stdout: '', stderr: 'look warning\n' });
    expect(await conversation.answer(0, 'a\nb\nc\n')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'Error occurred at line: 3\n',
    });
  });

  it('runs no follow-up when ended without an answer', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'conversation-')), 'ran');
    const conversation = talk([['true'], ['touch', marker]]);
    expect((await conversation.look).exitCode).toBe(0);
    await conversation.end();
    expect(conversation.waiting).toBe(false);
    expect(existsSync(marker)).toBe(false);
    expect(() => conversation.answer(0)).toThrow(/waits for no answer/);
  });

  it('tells a look it could not run (127) from one that ran', async () => {
    const conversation = talk([['/no/such/tool'], ['true']]);
    const look = await conversation.look;
    expect(look.exitCode).toBe(127);
    expect(look.stderr).toMatch(/not found|No such file/);
    await conversation.end();
  });

  it('says how it ended when the process dies during the look or the follow-up', async () => {
    const duringLook = talk([['sh', '-c', 'echo half; kill -9 $PPID; sleep 5'], ['true']]);
    expect(await duringLook.look).toMatchObject({ exitCode: undefined, ended: 'signal', signal: 'SIGKILL' });
    expect(duringLook.waiting).toBe(false);

    const duringAnswer = talk([['true'], ['sh', '-c', 'echo partly; kill -9 $$']]);
    await duringAnswer.look;
    expect(await duringAnswer.answer(0)).toMatchObject({
      exitCode: undefined,
      stdout: 'partly\n',
      ended: 'signal',
      signal: 'SIGKILL',
    });
  });

  it('stops a step at its time limit, the look included', async () => {
    const started = Date.now();
    const slowLook = talk([['sleep', '30'], ['true']], 200);
    expect(await slowLook.look).toMatchObject({
      exitCode: undefined,
      ended: 'timeout',
      why: expect.stringMatching(/timed out after 200 milliseconds: env sleep 30/),
    });
    const slowAnswer = talk([['true'], ['sleep', '30']], 200);
    await slowAnswer.look;
    expect(await slowAnswer.answer(0)).toMatchObject({ exitCode: undefined, ended: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('ends a look nobody answers once its time is up', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'conversation-')), 'ran');
    const conversation = talk([['true'], ['touch', marker]], 200);
    await conversation.look;
    expect(conversation.waiting).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(conversation.waiting).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });
});
