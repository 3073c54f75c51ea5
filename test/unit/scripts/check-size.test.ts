import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/check-size.mjs', import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-size-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A function whose first and last lines are `bodyLines + 2` apart, both counted. */
function fn(header: string, bodyLines: number, footer = '}') {
  const body = Array.from({ length: bodyLines }, (_, i) => `  const v${i} = ${i};`);
  return [header, ...body, footer].join('\n');
}

async function put(name: string, text: string) {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${text}\n`);
}

// Each case starts node and loads the TypeScript parser (about a second on a busy machine).
describe('scripts/check-size.mjs', { timeout: 30_000 }, () => {
  it('lists a function over 80 lines with its name, file:line and length, and exits 1', async () => {
    await put('src/long.ts', `import x from 'y';\n\n/** Docs. */\n${fn('export function longOne() {', 79)}`);
    await put('src/ok.ts', fn('export function exactlyEighty() {', 78));
    const { code, stdout } = run('src');
    expect(code).toBe(1);
    expect(stdout).toContain('src/long.ts:4 longOne: 81 lines (limit 80)');
    expect(stdout).not.toContain('exactlyEighty');
    expect(stdout).not.toContain('src/ok.ts');
    expect(stdout).toContain('1 over the limits.');
  });

  it('names methods, arrow functions and callbacks by what a reader searches for', async () => {
    const text = [
      'class Runner {',
      fn('  go() {', 81, '  }'),
      '}',
      fn('const handler = async () => {', 81, '};'),
      fn("describe('x', () => {", 81, '});'),
    ].join('\n');
    await put('src/names.ts', text);
    const { code, stdout } = run('src');
    expect(code).toBe(1);
    expect(stdout).toContain('src/names.ts:2 Runner.go: 83 lines');
    expect(stdout).toContain('src/names.ts:86 handler: 83 lines');
    expect(stdout).toContain('src/names.ts:169 arrow function passed to describe: 83 lines');
  });

  it('lists a file over 300 lines, not one of exactly 300', async () => {
    const short = (n: number) => Array.from({ length: n }, (_, i) => `export const c${i} = ${i};`).join('\n');
    await put('src/big.ts', short(301));
    await put('src/edge.ts', short(300));
    const { code, stdout } = run('src');
    expect(code).toBe(1);
    expect(stdout).toContain('src/big.ts: file, 301 lines (limit 300)');
    expect(stdout).not.toContain('edge.ts');
  });

  it('leaves out a file whose first comment block gives a Size: reason, and says so', async () => {
    const long = fn('export function table() {', 400);
    await put(
      'src/excused.ts',
      `// One table of all step shapes.\n//\n// Size: one table, read top to bottom\n${long}`,
    );
    await put('src/block.ts', `/**\n * Steps.\n * Size: generated\n */\n${long}`);
    const { code, stdout } = run('src');
    expect(code).toBe(0);
    expect(stdout).toContain('src/excused.ts: left out (Size: one table, read top to bottom)');
    expect(stdout).toContain('src/block.ts: left out (Size: generated)');
    expect(stdout).toContain('No file over 300 lines and no function over 80 lines.');
  });

  it('reads the first comment block after the imports too', async () => {
    const long = fn('export function table() {', 400);
    await put(
      'src/after.ts',
      `import x from 'y';\n\n/**\n * The file format.\n *\n * Size: one schema\n */\n${long}`,
    );
    const { code, stdout } = run('src');
    expect(code).toBe(0);
    expect(stdout).toContain('src/after.ts: left out (Size: one schema)');
  });

  it('does not accept a Size: line in a later comment block, nor one without a reason', async () => {
    const long = fn('export function table() {', 400);
    await put('src/late.ts', `import x from 'y';\n/** Steps. */\nconst a = 1;\n// Size: too late\n${long}`);
    await put('src/empty.ts', `// Size:\n${long}`);
    const { code, stdout } = run('src');
    expect(code).toBe(1);
    expect(stdout).toContain('src/late.ts: file, 406 lines');
    expect(stdout).toContain('src/empty.ts: file, 403 lines');
    expect(stdout).not.toContain('left out');
  });

  it('--report prints the same list and exits 0', async () => {
    await put('src/long.ts', fn('function f() {', 90));
    const { code, stdout } = run('--report', 'src');
    expect(code).toBe(0);
    expect(stdout).toContain('src/long.ts:1 f: 92 lines (limit 80)');
  });

  it('exits 0 with a short line when nothing is over the limits, and 2 on a missing path', async () => {
    await put('src/small.ts', fn('function f() {', 10));
    expect(run('src')).toMatchObject({
      code: 0,
      stdout: 'No file over 300 lines and no function over 80 lines.\n',
    });
    const missing = run('nowhere');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory: nowhere');
  });
});
