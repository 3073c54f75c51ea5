import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, unlink } from 'node:fs/promises';
import { DiskFillError } from './errors.js';

/** The prefix of every fill file's name: `.faultline-fill-<run>-<fault>`. */
export const FILL_PREFIX = '.faultline-fill-';

export function fillName(runId: string, faultId: string): string {
  return `${FILL_PREFIX}${runId}-${faultId}`;
}

/** The run that left a fill file, from its name (run ids have no dash). */
export function runOfFill(name: string): string | undefined {
  return name.startsWith(FILL_PREFIX) ? name.slice(FILL_PREFIX.length).split('-')[0] : undefined;
}

export interface Filled {
  method: 'fallocate' | 'zeros';
  ms: number;
}

const CHUNK = 8 * 2 ** 20;
const FALLOCATE_TIMEOUT_MS = 120_000;

async function writeZeros(handle: FileHandle, bytes: number): Promise<void> {
  const zeros = Buffer.alloc(Math.min(CHUNK, bytes));
  for (let written = 0; written < bytes; ) {
    const length = Math.min(zeros.length, bytes - written);
    written += (await handle.write(zeros, 0, length, written)).bytesWritten;
  }
  await handle.datasync();
}

/** fallocate(1) of util-linux, else busybox's (the helper image built from a host has busybox). */
const FALLOCATES = [['fallocate'], ['busybox', 'fallocate']];

/**
 * Runs fallocate(1) on the open file, handed to it as its fd 3: its result as data (exitCode undefined
 * when no fallocate could be started).
 */
async function fallocate(
  handle: FileHandle,
  bytes: number,
): Promise<{ exitCode: number | undefined; stderr: string }> {
  let result: { exitCode: number | undefined; stderr: string } = { exitCode: undefined, stderr: '' };
  for (const command of FALLOCATES) {
    result = await runFallocate(command, handle, bytes);
    if (result.exitCode !== undefined && !/applet not found/.test(result.stderr)) return result;
  }
  return { exitCode: undefined, stderr: result.stderr };
}

function runFallocate(
  [command, ...args]: string[],
  handle: FileHandle,
  bytes: number,
): Promise<{ exitCode: number | undefined; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command!, [...args, '-l', String(bytes), '/proc/self/fd/3'], {
      stdio: ['ignore', 'ignore', 'pipe', handle.fd],
    });
    // Not spawn's own timeout: its timer outlives a command that could not be started, and would
    // hold the process (a helper) until it fires.
    const timer = setTimeout(() => child.kill('SIGKILL'), FALLOCATE_TIMEOUT_MS);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: undefined, stderr: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(
        code === null
          ? { exitCode: 124, stderr: `fallocate ended by ${signal}` }
          : { exitCode: code, stderr },
      );
    });
  });
}

/**
 * Creates the fill file (never an existing one, never through a link) and gives it `bytes` of real
 * blocks: fallocate where the filesystem has it, zeros written in chunks where it has not. fallocate
 * works on the open file (not its name), so a removal that comes first is never undone by it.
 */
export async function writeFill(file: string, bytes: number): Promise<Filled> {
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
  const handle = await open(file, flags, 0o600);
  try {
    const started = performance.now();
    const result = await fallocate(handle, bytes);
    if (result.exitCode === 0) return { method: 'fallocate', ms: performance.now() - started };
    // Filesystems without fallocate (and hosts without the tool) get zeros written instead.
    if (result.exitCode !== undefined && !/not supported/i.test(result.stderr))
      throw new DiskFillError(`fallocate: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    await writeZeros(handle, bytes);
    return { method: 'zeros', ms: performance.now() - started };
  } catch (error) {
    // The file is this fill's own (created above): a fill that failed half-way leaves nothing.
    await unlink(file).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
}

/** Removes a fill file; whether it was there. Refuses anything but a regular file. */
export async function removeFill(file: string): Promise<'removed' | 'absent'> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  if (!info.isFile()) throw new DiskFillError(`${file} is not a regular file any more; left as it is`);
  await unlink(file);
  return 'removed';
}
