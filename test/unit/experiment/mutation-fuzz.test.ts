import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { parseExperimentBytes } from '../../../src/experiment/load.js';
import { createRandom } from '../../../src/util/random.js';
import { faultline, REPO } from '../../support/cli.js';

/**
 * Mutation fuzzing of the loader: the repository's own experiments (and the compose files under
 * fixtures/, which are YAML but no experiments), broken in many small ways. Every mutant must either
 * validate or be refused as invalid input (exit 2) with file:line:col in the message; any other
 * exception is a bug. The seed is fixed (and printed); FAULTLINE_FUZZ_SEED picks another one and
 * FAULTLINE_FUZZ_COUNT another number of mutants.
 */
const SEED = Number(process.env.FAULTLINE_FUZZ_SEED ?? 20_261_204);
const COUNT = Number(process.env.FAULTLINE_FUZZ_COUNT ?? 400);
const CLI_SAMPLE = 10;
const LOCATION = /\.ya?ml:\d+:\d+ /;

function yamlFiles(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(dir, name))
    .sort();
}

const SEEDS: { file: string; bytes: Buffer }[] = [...yamlFiles('experiments'), ...yamlFiles('fixtures')].map(
  (file) => ({
    file,
    bytes: readFileSync(path.join(REPO, file)),
  }),
);

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, max: number): number => Math.floor(random() * max);

const OTHER_VALUES = [
  '123',
  '-1',
  '0',
  'true',
  'null',
  '~',
  '[]',
  '{}',
  '""',
  '"text"',
  '1e400',
  '-1e400',
  '99999999999999999999999',
  '0x1F',
  '.inf',
  '.nan',
  '600h',
  `${'9'.repeat(80)}h`,
  '2147483648ms',
  '"${env:FUZZ_UNSET}"',
  '"${nope}"',
  '[1, [2, [3]]]',
  '{ a: { b: c } }',
  '!!binary aGVsbG8=',
  '!!str 5',
  '!custom x',
  '"http://user:pw@127.0.0.1/"',
  '|\n  block',
  '*undefined',
  '&anchor value',
  '- item',
];
const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'zzz',
  'title',
  'method',
  '<<',
  '? [a]',
  '""',
  '0',
];
const CONTROL = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\u000b',
  '\f',
  '\r',
  '\u001b[2J',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\ud800',
];

type Mutator = (text: Buffer, random: Random) => Buffer;

const lines = (bytes: Buffer) => bytes.toString('utf8').split('\n');
const join = (rows: string[]) => Buffer.from(rows.join('\n'));

const MUTATORS: Record<string, Mutator> = {
  flipByte(bytes, random) {
    const out = Buffer.from(bytes);
    const at = int(random, out.length);
    if (out.length > 0) out[at] = out[at]! ^ (1 << int(random, 8));
    return out;
  },
  setByte(bytes, random) {
    const out = Buffer.from(bytes);
    if (out.length > 0) out[int(random, out.length)] = int(random, 256);
    return out;
  },
  deleteLine(bytes, random) {
    const rows = lines(bytes);
    rows.splice(int(random, rows.length), 1 + int(random, 3));
    return join(rows);
  },
  duplicateLine(bytes, random) {
    const rows = lines(bytes);
    const at = int(random, rows.length);
    rows.splice(at, 0, rows[at]!);
    return join(rows);
  },
  swapLines(bytes, random) {
    const rows = lines(bytes);
    const a = int(random, rows.length);
    const b = int(random, rows.length);
    [rows[a], rows[b]] = [rows[b]!, rows[a]!];
    return join(rows);
  },
  indent(bytes, random) {
    const rows = lines(bytes);
    const at = int(random, rows.length);
    const change = pick(random, ['  ', ' ', '\t', '-', 'dedent']);
    rows[at] = change === 'dedent' ? rows[at]!.replace(/^ {1,4}/, '') : change + rows[at]!;
    return join(rows);
  },
  otherValue(bytes, random) {
    const rows = lines(bytes);
    const candidates = rows.map((row, index) => [row, index] as const).filter(([row]) => /:\s+\S/.test(row));
    if (candidates.length === 0) return bytes;
    const [row, index] = pick(random, candidates);
    rows[index] = row.replace(/:\s+.*$/, `: ${pick(random, OTHER_VALUES)}`);
    return join(rows);
  },
  listItemValue(bytes, random) {
    const rows = lines(bytes);
    const candidates = rows.map((row, index) => [row, index] as const).filter(([row]) => /^\s*- /.test(row));
    if (candidates.length === 0) return bytes;
    const [row, index] = pick(random, candidates);
    rows[index] = row.replace(/- .*$/, `- ${pick(random, OTHER_VALUES)}`);
    return join(rows);
  },
  anchorsAndAliases(bytes, random) {
    const rows = lines(bytes);
    const values = rows.map((row, index) => [row, index] as const).filter(([row]) => /:\s+\S/.test(row));
    if (values.length < 2) return bytes;
    const [first, a] = pick(random, values);
    const [second, b] = pick(random, values);
    rows[a] = first.replace(/:\s+/, ': &fz ');
    rows[b] = second.replace(/:\s+.*$/, pick(random, [': *fz', ': *fz2', ': [*fz, *fz, *fz]']));
    if (random() < 0.2) {
      rows.push('x1: &x1 [a, a, a, a, a, a, a, a, a, a]');
      for (let level = 2; level <= 5; level++) {
        rows.push(
          `x${level}: &x${level} [${Array(10)
            .fill(`*x${level - 1}`)
            .join(', ')}]`,
        );
      }
    }
    return join(rows);
  },
  truncate(bytes, random) {
    return bytes.subarray(0, int(random, bytes.length));
  },
  randomKey(bytes, random) {
    const rows = lines(bytes);
    const at = int(random, rows.length);
    const indent = /^\s*/.exec(rows[at]!)![0];
    rows.splice(at, 0, `${indent}${pick(random, KEYS)}: ${pick(random, OTHER_VALUES)}`);
    return join(rows);
  },
  controlCharacter(bytes, random) {
    const text = bytes.toString('utf8');
    const at = int(random, text.length);
    return Buffer.from(text.slice(0, at) + pick(random, CONTROL) + text.slice(at));
  },
  hugeNumber(bytes, random) {
    const text = bytes.toString('utf8');
    const numbers = [...text.matchAll(/\d+/g)];
    if (numbers.length === 0) return bytes;
    const match = pick(random, numbers);
    const huge = pick(random, ['9'.repeat(400), '1e308', '18446744073709551617', '0.0000000000000001', '-0']);
    return Buffer.from(text.slice(0, match.index) + huge + text.slice(match.index + match[0].length));
  },
  encoding(bytes, random) {
    const prefix = pick(random, [[0xff, 0xfe], [0xfe, 0xff], [0xef, 0xbb, 0xbf], [0xc3], [0xe9], [0x00]]);
    const at = random() < 0.5 ? 0 : int(random, bytes.length);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(prefix), bytes.subarray(at)]);
  },
  deepNesting(bytes, random) {
    const rows = lines(bytes);
    const depth = pick(random, [10, 70, 2000]);
    rows.push(`deep: ${'['.repeat(depth)}${random() < 0.5 ? ']'.repeat(depth) : ''}`);
    return join(rows);
  },
  yamlDirective(bytes, random) {
    const directive = pick(random, ['%YAML 1.1\n---\n', '%YAML 9.9\n---\n', '---\n', '--- !!set\n', '...\n']);
    return random() < 0.5
      ? Buffer.concat([Buffer.from(directive), bytes])
      : Buffer.concat([bytes, Buffer.from(`\n${directive}`)]);
  },
};
const MUTATOR_NAMES = Object.keys(MUTATORS);

interface Mutant {
  index: number;
  seedFile: string;
  steps: string[];
  bytes: Buffer;
}

function mutants(): Mutant[] {
  const random = createRandom(SEED);
  return Array.from({ length: COUNT }, (_, index) => {
    const source = pick(random, SEEDS);
    const steps = Array.from({ length: 1 + int(random, 3) }, () => pick(random, MUTATOR_NAMES));
    const bytes = steps.reduce<Buffer>((current, name) => MUTATORS[name]!(current, random), source.bytes);
    return { index, seedFile: source.file, steps, bytes };
  });
}

/**
 * undefined when the mutant validated, 'invalid' when it was refused as invalid input with a location,
 * and otherwise what went wrong.
 */
function misbehaviour(mutant: Mutant, file: string): string | undefined {
  try {
    parseExperimentBytes(mutant.bytes, file, {});
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) {
      if (process.env.FAULTLINE_FUZZ_DEBUG) console.log(mutant.bytes.toString(), error);
      return `threw ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error)}`;
    }
    if (!LOCATION.test(error.message))
      return `invalid input without file:line:col: ${error.message.slice(0, 200)}`;
    if (error.message.length > 4000) return `a message of ${error.message.length} characters`;
    return 'invalid';
  }
}

describe(`mutation fuzzing of the loader (seed ${SEED}, ${COUNT} mutants of ${SEEDS.length} files)`, () => {
  const all = mutants();
  let dir: string;
  beforeAll(async () => {
    // Printed so a failure in CI can be replayed: FAULTLINE_FUZZ_SEED=<seed>.
    console.log(`mutation fuzzing: seed ${SEED}, ${COUNT} mutants`);
    dir = await mkdtemp(path.join(tmpdir(), 'faultline-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from files that validate (experiments) and YAML that is not an experiment (fixtures)', () => {
    expect(SEEDS.filter((seed) => seed.file.startsWith('experiments/')).length).toBeGreaterThanOrEqual(4);
    for (const seed of SEEDS.filter((item) => item.file.startsWith('experiments/'))) {
      expect(
        misbehaviour({ index: -1, seedFile: seed.file, steps: [], bytes: seed.bytes }, 'seed.yaml'),
      ).toBeUndefined();
      expect(() => parseExperimentBytes(seed.bytes, seed.file, {})).not.toThrow();
    }
  });

  it('every mutant validates or is invalid input with file:line:col, in process', () => {
    const started = performance.now();
    let rejected = 0;
    const failures: string[] = [];
    for (const mutant of all) {
      const problem = misbehaviour(mutant, `mutant-${mutant.index}.yaml`);
      if (problem === 'invalid') rejected++;
      else if (problem !== undefined) {
        failures.push(`#${mutant.index} (${mutant.seedFile}, ${mutant.steps.join(' + ')}): ${problem}`);
      }
    }
    console.log(
      `mutation fuzzing: ${all.length - rejected} valid, ${rejected} invalid, ${failures.length} misbehaved, ${Math.round(performance.now() - started)}ms`,
    );
    expect(failures).toEqual([]);
    // The mutants exercise both outcomes, or the fuzzing proves little.
    expect(rejected).toBeGreaterThan(all.length / 2);
    expect(rejected).toBeLessThan(all.length);
  }, 30_000); // Hundreds of mutants parsed in process: seconds on a busy shared host.

  it(`a sample of ${CLI_SAMPLE} through the built CLI: exit 0 or 2, the same verdict, no stack trace`, async () => {
    if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` before this test (it runs the built CLI)');
    }
    const sample = Array.from(
      { length: CLI_SAMPLE },
      (_, k) => all[Math.floor((k * all.length) / CLI_SAMPLE)]!,
    );
    const results = await Promise.all(
      sample.map(async (mutant) => {
        const file = path.join(dir, `mutant-${mutant.index}.yaml`);
        await writeFile(file, mutant.bytes);
        let expected = 0;
        try {
          parseExperimentBytes(mutant.bytes, file, {});
        } catch {
          expected = 2;
        }
        const result = await faultline(['validate', file]);
        return { mutant, expected, result };
      }),
    );
    for (const { mutant, expected, result } of results) {
      const label = `mutant #${mutant.index} (${mutant.steps.join(' + ')})`;
      expect(result.exitCode, label).toBe(expected);
      expect(result.stderr, label).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(result.stderr, label).not.toContain('unexpected error');
      if (expected === 2) expect(result.stderr, label).toMatch(LOCATION);
    }
  }, 30_000);
});
