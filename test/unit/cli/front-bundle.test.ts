import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, REPO } from '../../support/cli.js';

/**
 * bin/faultline.js runs the commands that never touch Docker from a smaller front bundle
 * (dist/cli/front.cjs), `validate FILE…` without options from its own (dist/cli/validate.cjs), and
 * everything else from the whole CLI (dist/cli/bundle.cjs). A user must not be able to tell: the same
 * help, the same output, every command reachable.
 */
const loader = createRequire(import.meta.url)(path.join(REPO, 'bin/bundle-loader.js')) as {
  BUNDLE: string;
  FRONT: string;
  HELP: string;
  VALIDATE: string;
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
  it('serves validate, explain, schema and completion; the help has its own; the whole CLI serves the rest', () => {
    const front = (args: string[]) => loader.bundleFor(args) === loader.FRONT;
    const help = (args: string[]) => loader.bundleFor(args) === loader.HELP;
    for (const args of [[], ['--help'], ['-h'], ['help', 'run'], ['-h', 'validate', 'x.yaml']])
      expect({ args, help: help(args) }).toEqual({ args, help: true });
    for (const args of [
      ['validate', '--json', 'x.yaml'],
      ['explain', 'pause'],
    ])
      expect({ args, front: front(args) }).toEqual({ args, front: true });
    // A command's own help comes from the bundle that serves the command.
    expect(front(['explain', '--help'])).toBe(true);
    expect(loader.bundleFor(['run', '--help'])).toBe(loader.BUNDLE);
    // validate with files and folders only has a bundle of its own; any option (or none of the files)
    // goes to commander in the front bundle.
    const own = (args: string[]) => loader.bundleFor(args) === loader.VALIDATE;
    for (const args of [
      ['validate', 'x.yaml'],
      ['validate', 'a.yaml', 'experiments/', 'b.json'],
    ])
      expect({ args, own: own(args) }).toEqual({ args, own: true });
    for (const args of [
      ['validate'],
      ['validate', 'x.yaml', '--json'],
      ['validate', '-'],
      ['validate', 'x', '-h'],
    ])
      expect({ args, own: own(args), front: front(args) }).toEqual({ args, own: false, front: true });
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
      // `help X` runs in the help's bundle; `X --help` in the bundle that serves X.
      const [help, own] = await Promise.all([cli(['help', command]), cli([command, '--help'])]);
      expect({ command, exitCode: help.exitCode, stdout: help.stdout }).toEqual({
        command,
        exitCode: 0,
        stdout: own.stdout,
      });
    }
  }, 60_000);

  it('validate FILE… answers from its own bundle exactly as the whole CLI does: output, errors, exit code', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'faultline-validate-bundle-'));
    try {
      const valid = path.join(REPO, 'experiments/checkout-survives-backend-blackhole.yaml');
      const invalid = path.join(dir, 'invalid.yaml');
      await writeFile(
        invalid,
        'title: t\nmethod:\n  - pause: { target: { name: x }, duration: soon, extra: 1 }\n',
      );
      const broken = path.join(dir, 'broken.yaml');
      await writeFile(broken, 'title: [unclosed\nmethod: {\n');
      const folder = path.join(dir, 'suite');
      await mkdir(folder);
      await writeFile(path.join(folder, 'compose.yaml'), 'services: {}\n');
      await writeFile(
        path.join(folder, 'b.yaml'),
        'title: "caf\u00e9 \\u001b[2J"\nmethod:\n  - pause: { target: { name: x }, duration: 1s }\n',
      );
      const cases = [
        [valid],
        [valid, folder],
        [invalid],
        [broken, valid],
        [path.join(dir, 'missing.yaml')],
        [path.join(dir, 'empty-folder-does-not-exist', 'x.yaml'), valid],
        [dir],
      ];
      for (const files of cases) {
        const args = ['validate', ...files];
        const own = await execa('node', [BIN, ...args], {
          cwd: REPO,
          env: { ...ENV, FAULTLINE_DEBUG_CODE_CACHE: '1' },
          reject: false,
        });
        const whole = await cli(args, { whole: true });
        // The code cache line says which bundle answered; the rest must be the whole CLI's, byte for byte.
        const [cacheLine, ...stderr] = own.stderr.split('\n');
        expect({ files, cacheLine }).toEqual({
          files,
          cacheLine: expect.stringMatching(/\(validate\.cjs\)$/),
        });
        expect({ files, exitCode: own.exitCode, stdout: own.stdout, stderr: stderr.join('\n') }).toEqual({
          files,
          exitCode: whole.exitCode,
          stdout: whole.stdout,
          stderr: whole.stderr,
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
