import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, REPO } from '../../support/cli.js';

/**
 * bin/faultline.js runs the commands that never touch Docker from a smaller front bundle
 * (dist/cli/front.cjs) and everything else from the whole CLI (dist/cli/bundle.cjs). A user must not be
 * able to tell: the same help, every command reachable.
 */
const loader = createRequire(import.meta.url)(path.join(REPO, 'bin/bundle-loader.js')) as {
  BUNDLE: string;
  FRONT: string;
  bundleFor(args: string[]): string;
};
const ENV = { NO_COLOR: '1', CI: 'true', COLUMNS: '100' };

/** The built CLI's output for `args`, through bin/faultline.js, or straight from the whole bundle. */
async function cli(args: string[], { whole = false } = {}) {
  const argv = whole
    ? [
        '-e',
        `require(${JSON.stringify(path.join(REPO, 'bin/bundle-loader.js'))}).loadBundle().exports.main(['node', 'faultline', ...process.argv.slice(1)])`,
        '--',
        ...args,
      ]
    : [BIN, ...args];
  // Under `node -e`, process.argv holds no script: the arguments follow node's path.
  const result = await execa('node', argv, { cwd: REPO, env: ENV, reject: false });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

describe('the front bundle', () => {
  it('serves validate, explain, schema, completion and the help; the whole CLI serves the rest', () => {
    const front = (args: string[]) => loader.bundleFor(args) === loader.FRONT;
    expect(front([])).toBe(true);
    for (const args of [['--help'], ['-h'], ['help', 'run'], ['validate', 'x.yaml'], ['explain', 'pause']])
      expect({ args, front: front(args) }).toEqual({ args, front: true });
    for (const args of [['schema'], ['completion', 'bash']]) expect(front(args)).toBe(true);
    for (const args of [['run', 'x.yaml'], ['plan', 'x.yaml'], ['doctor'], ['recover'], ['status']])
      expect({ args, front: front(args) }).toEqual({ args, front: false });
    // An option first (an Engine, a colour switch) is left to the whole CLI, which parses it.
    expect(front(['--host', 'unix:///x.sock', 'validate', 'x.yaml'])).toBe(false);
  });

  it('shows the same help as the whole CLI, for the program and for every command', async () => {
    const [viaFront, viaWhole] = await Promise.all([cli(['--help']), cli(['--help'], { whole: true })]);
    expect(viaFront.exitCode).toBe(0);
    expect(viaFront.stdout).toContain('Commands:');
    expect(viaFront.stdout).toBe(viaWhole.stdout);
    const listed = viaFront.stdout.slice(viaFront.stdout.indexOf('Commands:'));
    const commands = [...listed.matchAll(/^ {2}([a-z-]+)\b/gm)]
      .map((match) => match[1]!)
      .filter((name) => name !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['run', 'validate', 'plan', 'doctor', 'schema']));
    for (const command of commands) {
      // `help X` runs in the front bundle; `X --help` in the bundle that serves X.
      const [help, own] = await Promise.all([cli(['help', command]), cli([command, '--help'])]);
      expect({ command, exitCode: help.exitCode, stdout: help.stdout }).toEqual({
        command,
        exitCode: 0,
        stdout: own.stdout,
      });
    }
  }, 60_000);
});
