import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, REPO } from '../../support/cli.js';

/**
 * The built CLI (bin/faultline.js, which loads dist/) on hostile input: what a user sees. No Docker is
 * contacted: every case fails before a client would connect.
 */
const VALID = `title: t
hypothesis:
  - name: p
    command: [node, -v]
method:
  - wait: 1s
`;
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(STACK_LINE);
  expect(stderr).not.toContain('unexpected error');
}

describe('faultline validate on hostile files', () => {
  it('exits 2 for a duration longer than a timer can hold, naming file:line:col and the limit', async () => {
    const file = path.join(dir, 'long-pause.yaml');
    await writeFile(file, VALID.replace('- wait: 1s', '- pause: { target: { name: x }, duration: 600h }'));
    const result = await faultline(['validate', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `${file}:6:45 method[0].pause.duration: 600h is longer than the longest duration faultline can hold, 24d 20h 31m 23s (2147483647ms)`,
    );
    expectNoStack(result.stderr);
  });

  it('exits 2 for an alias bomb and an undefined alias, with a location and no stack', async () => {
    const bomb = path.join(dir, 'bomb.yaml');
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of ['b', 'c', 'd', 'e']) {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      rows.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    await writeFile(bomb, `${VALID}${rows.join('\n')}\n`);
    const undefinedAlias = path.join(dir, 'undefined-alias.yaml');
    await writeFile(undefinedAlias, VALID.replace('title: t', 'title: *nope'));
    const result = await faultline(['validate', bomb, undefinedAlias]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${bomb}:8:8 YAML aliases expand to too much data`);
    expect(result.stderr).toContain(
      `${undefinedAlias}:1:8 title: YAML alias *nope has no anchor &nope before it`,
    );
    expectNoStack(result.stderr);
  });

  it('exits 2 at once for a FIFO, which it never opens', async () => {
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const result = await faultline(['validate', fifo]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${fifo} is a named pipe (FIFO), not a regular file`);
    expectNoStack(result.stderr);
  }, 10_000);

  it('exits 2 for a UTF-16 file without echoing it', async () => {
    const file = path.join(dir, 'utf16.yaml');
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID, 'utf16le')]));
    const result = await faultline(['validate', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `${file}:1:1 the file is not UTF-8 text (looks like UTF-16 LE): save it as UTF-8`,
    );
    expect(result.stderr).not.toContain('hypothesis');
  });
});

describe('faultline run --max-hold', () => {
  it('exits 2 for a hold longer than a timer can hold, before reading any file', async () => {
    const result = await faultline(['run', path.join(dir, 'missing.yaml'), '--max-hold', '600h']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '--max-hold 600h is longer than the longest duration faultline can hold, 24d 20h 31m 23s (2147483647ms)',
    );
    expectNoStack(result.stderr);
  });
});

describe('DOCKER_HOST that is no Docker endpoint', () => {
  const MESSAGE =
    'error DOCKER_HOST=bogus://x is not a Docker endpoint: expected unix://, tcp://, ssh:// or npipe://';

  it.each([['plan'], ['run'], ['doctor']])('faultline %s exits 3 with a clear error', async (command) => {
    const file = path.join(dir, `endpoint-${command}.yaml`);
    await writeFile(file, VALID);
    const args = command === 'doctor' ? [command] : [command, file];
    const result = await faultline(args, { env: { DOCKER_HOST: 'bogus://x' } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(MESSAGE);
    expectNoStack(result.stderr);
  });
});
