import { PassThrough } from 'node:stream';
import { type Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, OPTIONS } from '../../../src/cli/options.js';
import type { Output } from '../../../src/cli/output.js';
import { createProgram } from '../../../src/cli/program.js';

function program(): Command {
  const stream = new PassThrough();
  return createProgram({
    output: { stdout: stream, stderr: stream } as unknown as Output,
    env: {},
    interrupt: new AbortController().signal,
    setExitCode: () => undefined,
  });
}

function command(name: string): Command {
  const found = program().commands.find((candidate) => candidate.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

const flagsOf = (cmd: Command) => cmd.options.map((option) => option.flags);

describe('command-line options', () => {
  it('gives --via and --helper-image to run, plan, doctor and recover, and --seed to run and plan', () => {
    for (const name of ['run', 'plan', 'doctor', 'recover']) {
      expect(flagsOf(command(name)), name).toEqual(
        expect.arrayContaining([OPTIONS.via.flags, OPTIONS.helperImage.flags]),
      );
    }
    const withSeed = program()
      .commands.filter((cmd) => flagsOf(cmd).includes(OPTIONS.seed.flags))
      .map((cmd) => cmd.name());
    expect(withSeed).toEqual(['run', 'plan']);
  });

  it('builds every command from the table, in its order and with its descriptions', () => {
    const root = program();
    const table = Object.entries(COMMAND_OPTIONS).map(([name, specs]) => [
      name,
      specs.map((spec) => [spec.flags, spec.description]),
    ]);
    // --version is commander's own, set with .version().
    const built = [root, ...root.commands]
      .map((cmd) => [cmd.name(), cmd.options.filter((option) => option.long !== '--version')] as const)
      .filter(([, options]) => options.length > 0)
      .map(([name, options]) => [name, options.map((option) => [option.flags, option.description])]);
    expect(Object.fromEntries(built)).toEqual(Object.fromEntries(table));
  });

  it('names each value as commander stores it', () => {
    for (const spec of Object.values(OPTIONS)) {
      expect(new Option(spec.flags).attributeName(), spec.flags).toBe(spec.name);
    }
  });

  it('keeps every occurrence of a repeatable option, in order, and the last of a single one', () => {
    const run = command('run');
    run.parseOptions([
      '--report',
      'json=a.json',
      '--require-label',
      'team=pay',
      '--report',
      'junit=a.xml',
      '--seed',
      '1',
      '--seed',
      '2',
    ]);
    expect(run.opts()).toEqual({
      report: ['json=a.json', 'junit=a.xml'],
      requireLabel: ['team=pay'],
      seed: '2',
    });
  });
});
