import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../../src/util/sleep.js';
import { BIN, REPO } from '../../support/cli.js';

/**
 * `faultline run` starts its first watchdog before it reads its options and files, even before the CLI
 * loads (bin/faultline.js; the built CLI, no Docker: every run here stops before the Engine). A run
 * that stops there lets that watchdog go: no watchdog process of its state folder is left, and no log.
 */
let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(REPO, 'dist/cli/bundle.cjs'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built CLI)');
  }
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-run-early-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Pids of the watchdogs whose command line names a ledger in `stateDir`. */
function watchdogsOf(stateDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const main = args.findIndex((arg) => arg.endsWith('watchdog-main.js'));
    if (main >= 0 && args[main + 1]?.startsWith(`${stateDir}/`)) pids.push(Number(name));
  }
  return pids;
}

async function noWatchdogLeft(stateDir: string): Promise<number[]> {
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(50)) {
    if (watchdogsOf(stateDir).length === 0) return [];
  }
  return watchdogsOf(stateDir);
}

async function runStoppedEarly(stateDir: string, args: string[]) {
  return execa('node', [BIN, 'run', ...args], {
    cwd: REPO,
    reject: false,
    env: {
      FAULTLINE_STATE_DIR: stateDir,
      NO_COLOR: '1',
      CI: 'true',
      DOCKER_HOST: 'unix:///nonexistent.sock',
    },
  });
}

describe('the watchdog a run starts before reading its options and files', () => {
  it('is let go when an option is wrong', async () => {
    const stateDir = path.join(dir, 'bad-option');
    const file = path.join(dir, 'never-read.yaml');
    await writeFile(file, 'title: never read\n');
    const result = await runStoppedEarly(stateDir, ['--seed', 'nope', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--seed nope');
    expect(await noWatchdogLeft(stateDir)).toEqual([]);
    // The watchdog was started (its log's folder made) before the option was read, and left no log.
    const runs = path.join(stateDir, 'runs');
    expect(existsSync(runs)).toBe(true);
    expect(readdirSync(runs).filter((name) => name.endsWith('.log'))).toEqual([]);
  });

  it('is let go when the command line has an option no command knows (the run command never starts)', async () => {
    const stateDir = path.join(dir, 'unknown-option');
    const file = path.join(dir, 'never-read.yaml');
    await writeFile(file, 'title: never read\n');
    const result = await runStoppedEarly(stateDir, ['--no-such-option', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--no-such-option'");
    expect(await noWatchdogLeft(stateDir)).toEqual([]);
    expect(readdirSync(path.join(stateDir, 'runs'))).toEqual([]);
  });

  it('is let go when the experiment is invalid', async () => {
    const stateDir = path.join(dir, 'invalid');
    const file = path.join(dir, 'invalid.yaml');
    await writeFile(file, 'method:\n  - pause: { target: { name: x }, duration: soon }\n');
    const result = await runStoppedEarly(stateDir, [file]);
    expect(result.exitCode).toBe(2);
    expect(await noWatchdogLeft(stateDir)).toEqual([]);
    expect(readdirSync(path.join(stateDir, 'runs'))).toEqual([]);
  });

  it('is not started for the help', async () => {
    const stateDir = path.join(dir, 'help');
    const result = await runStoppedEarly(stateDir, ['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: faultline run');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('is let go when the experiment file does not exist', async () => {
    const stateDir = path.join(dir, 'no-file');
    const result = await runStoppedEarly(stateDir, [path.join(dir, 'missing.yaml')]);
    expect(result.exitCode).toBe(2);
    expect(await noWatchdogLeft(stateDir)).toEqual([]);
    const runs = path.join(stateDir, 'runs');
    expect(existsSync(runs) ? readdirSync(runs).filter((name) => name.endsWith('.log')) : []).toEqual([]);
  });

  it('is left to the run when starting it throws (no home folder, say): the CLI still loads', () => {
    const loader = createRequire(import.meta.url)(path.join(REPO, 'bin/bundle-loader.js')) as {
      startWatchdog(args: string[], load: () => { startEarly(program: string): unknown }): unknown;
    };
    const calls: string[] = [];
    const throwing = () => ({
      startEarly(program: string): unknown {
        calls.push(program);
        throw new Error('ENOENT: no such file or directory, uv_os_homedir');
      },
    });
    expect(loader.startWatchdog(['run', 'x.yaml'], throwing)).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/watchdog-main\.js$/);
    // Not tried at all for other commands or for the run's help.
    for (const args of [
      ['validate', 'x.yaml'],
      ['run', '--help'],
      ['run', '-h', 'x.yaml'],
    ])
      expect(loader.startWatchdog(args, throwing)).toBeUndefined();
    expect(calls).toHaveLength(1);
  });
});
