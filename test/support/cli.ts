import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO, 'bin/faultline.js');

/** The demo stack the end-to-end tests run against: its own project and ports, beside a user's demo. */
export const E2E_STACK = { project: 'faultline-e2e', port: '28080', fragilePort: '28081' };

export const E2E_ENV = {
  FAULTLINE_DEMO_PROJECT: E2E_STACK.project,
  FAULTLINE_DEMO_PORT: E2E_STACK.port,
  FAULTLINE_DEMO_FRAGILE_PORT: E2E_STACK.fragilePort,
  NO_COLOR: '1',
  CI: 'true',
  GITHUB_STEP_SUMMARY: '',
};

/** Runs the built CLI as a user would; never throws on a non-zero exit. */
export function faultline(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return execa('node', [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...E2E_ENV, ...options.env },
    reject: false,
    all: true,
    encoding: 'utf8',
  });
}

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'faultline-e2e-'));
}

/** Copies the repository's experiments into a fresh temp dir and returns it. */
export async function copyExperiments(): Promise<string> {
  const dir = await tempDir();
  await cp(path.join(REPO, 'experiments'), dir, { recursive: true });
  return dir;
}

export async function writeExperiment(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

export async function stack(command: 'up' | 'down'): Promise<void> {
  const result = await execa('bash', [path.join(REPO, 'fixtures/demo/stack.sh'), command], {
    env: E2E_ENV,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`stack.sh ${command} failed:\n${result.all}`);
}
