import { describe, expect, it } from 'vitest';
import { spawnCommand } from '../../../src/network/spawn-command.js';

describe('spawnCommand', () => {
  it('returns the exit code, stdout and stderr of a program, with the input on its stdin', async () => {
    const result = await spawnCommand('sh', ['-c', 'cat; echo oops >&2; exit 3'], {
      input: 'a batch\n',
      timeoutMs: 10_000,
    });
    expect(result).toEqual({ exitCode: 3, stdout: 'a batch\n', stderr: 'oops\n' });
  });

  it('tells a program that never started from one that ran', async () => {
    const result = await spawnCommand('/no/such/program', ['x'], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: undefined, ended: 'never' });
    expect(result.exitCode === undefined && result.why).toMatch(/ENOENT.*\/no\/such\/program x/);
  });

  it('reports a program killed by a signal as killed, with what it wrote before', async () => {
    const result = await spawnCommand('sh', ['-c', 'echo half; kill -9 $$'], { timeoutMs: 10_000 });
    expect(result).toMatchObject({
      exitCode: undefined,
      ended: 'signal',
      signal: 'SIGKILL',
      stdout: 'half\n',
    });
  });

  it('stops a program at its time limit and says so', async () => {
    const result = await spawnCommand('sleep', ['30'], { timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: undefined, ended: 'timeout', signal: 'SIGTERM' });
    expect(result.exitCode === undefined && result.why).toMatch(/timed out after 200 milliseconds: sleep 30/);
  });
});
