import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, REPO } from '../../support/cli.js';

/** `faultline explain`, `faultline completion` and `faultline status --json`, through the built CLI. */
let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-explain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('faultline explain', { timeout: 60_000 }, () => {
  it('describes a key from the schema: its description, type and default', async () => {
    const result = await faultline(['explain', 'recovery']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'After the faults are reverted, the hypothesis must hold again within this',
    );
    expect(result.stdout).toContain('type     duration (e.g. 500ms, 30s, 1m)');
    expect(result.stdout).toContain('default  30s');
  });

  it('lists the fields of a step kind with their types, whether required, and descriptions', async () => {
    const result = await faultline(['explain', 'pause']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ {2}target +mapping; required/m);
    expect(result.stdout).toMatch(
      /^ {2}duration +duration \(e\.g\. 500ms, 30s, 1m\) +Revert after this long/m,
    );
  });

  it('follows a dotted path to a field, with its allowed values and default', async () => {
    const method = await faultline(['explain', 'hypothesis.http.method']);
    expect(method.exitCode).toBe(0);
    expect(method.stdout).toContain('type     one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(method.stdout).toContain('default  GET');
    const name = await faultline(['explain', 'pause.target.name']);
    expect(name.stdout).toContain('Exact container name');
  });

  it('an unknown name is exit 2 with a did-you-mean, an unknown field names the known ones', async () => {
    const step = await faultline(['explain', 'puase']);
    expect(step.exitCode).toBe(2);
    expect(step.stderr).toContain('error puase: no step, key or field of that name; did you mean "pause"?');
    const field = await faultline(['explain', 'pause.targt']);
    expect(field.exitCode).toBe(2);
    expect(field.stderr).toContain('pause has no field "targt"; did you mean "target"?');
    expect(field.stderr).toContain('Its fields: target, duration, background');
  });
});

/** Runs the bash completion function on a command line, as bash does when Tab is pressed. */
function bashComplete(script: string, words: string[], cwd: string): { spec: string; replies: string[] } {
  const program = `source "$1"; shift
complete -p faultline
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
_faultline
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['--norc', '-c', program, 'bash', script, ...words], {
    cwd,
    encoding: 'utf8',
  });
  const [spec = '', ...replies] = out.trimEnd().split('\n');
  return { spec, replies: replies.filter((line) => line !== '') };
}

describe('faultline completion', { timeout: 60_000 }, () => {
  it('bash: the script loads, registers itself, and completes commands, options, values, names and files', async () => {
    const result = await faultline(['completion', 'bash']);
    expect(result.exitCode).toBe(0);
    const script = path.join(dir, 'faultline.bash');
    await writeFile(script, result.stdout);
    await mkdir(path.join(dir, 'experiments'), { recursive: true });
    const complete = (...words: string[]) => bashComplete(script, ['faultline', ...words], dir);
    expect(complete('va').spec).toBe('complete -o bashdefault -o filenames -F _faultline faultline');
    expect(complete('va').replies).toEqual(['validate']);
    expect(complete('run', '--ver').replies).toEqual(['--verbose']);
    expect(complete('--context', 'prod', 'expl').replies).toEqual(['explain']);
    expect(complete('run', '--progress', 'p').replies).toEqual(['plain']);
    expect(complete('explain', 'pa').replies.sort()).toEqual(['parallel', 'partition', 'pause']);
    expect(complete('run', 'exp').replies).toEqual(['experiments']);
  });

  for (const shell of ['zsh', 'fish']) {
    it(`${shell}: the script is printed and, when ${shell} is installed, passes its syntax check`, async () => {
      const result = await faultline(['completion', shell]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('explain');
      const script = path.join(dir, `faultline.${shell}`);
      await writeFile(script, result.stdout);
      if (spawnSync(shell, ['--version']).error) {
        console.log(`${shell} is not installed: its completion script was not syntax-checked`);
        return;
      }
      const check = spawnSync(shell, ['-n', script], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }

  it('fish completes a command and an option when fish is installed', async (context) => {
    if (spawnSync('fish', ['--version']).error) {
      console.log('fish is not installed: its completions were not tried');
      context.skip();
    }
    const script = (await faultline(['completion', 'fish'])).stdout;
    await writeFile(path.join(dir, 'c.fish'), script);
    const out = execFileSync(
      'fish',
      [
        '-c',
        `source ${path.join(dir, 'c.fish')}; complete -C 'faultline va'; complete -C 'faultline run --pro'`,
      ],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/^validate\tcheck experiment files/m);
    expect(out).toMatch(/^--progress\t/m);
  });

  it('an unknown shell is exit 2 naming the ones there are', async () => {
    const result = await faultline(['completion', 'tcsh']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('completion tcsh: expected one of bash, zsh, fish');
  });
});

describe('faultline status --json', { timeout: 60_000 }, () => {
  it('prints one JSON document: no active run and nothing left behind in an empty state folder', async () => {
    const result = await faultline(['status', '--json'], {
      env: { FAULTLINE_STATE_DIR: path.join(dir, 'state') },
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ active: [], leftBehind: [] });
  });

  it('lists a fault a dead run left, with its kind and target', async () => {
    const state = path.join(dir, 'state-left');
    await mkdir(path.join(state, 'runs'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const records = [
      { type: 'run', runId: 'gone1', pid: dead, file: '/exp/a.yaml', startedAt: '2030-01-01T00:00:00.000Z' },
      {
        type: 'intent',
        faultId: 'f1',
        kind: 'pause',
        target: { id: 'c1', name: 'shop-db-1' },
        revert: { kind: 'unpause' },
        deadline: Date.UTC(2999, 0, 1),
        at: '2030-01-01T00:00:01.000Z',
      },
    ];
    await writeFile(
      path.join(state, 'runs', 'gone1.jsonl'),
      records.map((r) => `${JSON.stringify(r)}\n`).join(''),
    );
    const result = await faultline(['status', '--json'], { env: { FAULTLINE_STATE_DIR: state } });
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.active).toEqual([]);
    expect(document.leftBehind).toEqual([
      expect.objectContaining({
        runId: 'gone1',
        file: '/exp/a.yaml',
        ended: false,
        faults: [{ kind: 'pause', target: 'shop-db-1' }],
      }),
    ]);
  });
});
