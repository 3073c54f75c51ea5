import { constants } from 'node:fs';
import { access, mkdir, stat, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EnvironmentError } from '../errors.js';

/**
 * File systems the kernel makes up (process and device state): nothing can be written there as a
 * file, and `mkdir -p` below `/proc` never ends (it keeps being told the parent is missing).
 */
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x1cd1, 'devpts'],
]);

/** A report that cannot be written where it was asked to go: the environment's fault, exit 3. */
export class ReportPathError extends EnvironmentError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super('REPORT_PATH', `cannot write a report to ${path}: ${reason}`, {
      hint: 'Choose a file in a folder you can write to, e.g. --report json=reports/faultline.json',
    });
  }
}

/**
 * Checks, without changing anything, that a report can be written to `path`: it is not a folder, a
 * device or a read-only file, and the nearest folder that exists is a writable folder on a real file
 * system (missing folders below it are created when the report is written). Throws ReportPathError
 * naming the path and the reason. Bounded: one look per component of the path.
 */
export async function checkReportPath(path: string): Promise<void> {
  const full = resolve(path);
  const existing = await statOrMissing(full, path);
  if (existing) {
    if (existing.isDirectory()) throw new ReportPathError(path, 'it is a folder');
    if (!existing.isFile()) throw new ReportPathError(path, `it is not a regular file (${kindOf(existing)})`);
    if ((existing.mode & 0o222) === 0) {
      throw new ReportPathError(path, `the file is read-only (mode ${(existing.mode & 0o777).toString(8)})`);
    }
    await access(full, constants.W_OK).catch((error: unknown) => {
      throw new ReportPathError(path, `the file is not writable: ${reasonOf(error)}`);
    });
  }
  const folder = await nearestExistingFolder(dirname(full), path);
  const pseudo = PSEUDO_FILE_SYSTEMS.get(Number((await statfs(folder)).type));
  if (pseudo) {
    throw new ReportPathError(
      path,
      `${folder} is on a kernel pseudo-file system (${pseudo}), where files cannot be written`,
    );
  }
  await access(folder, constants.W_OK | constants.X_OK).catch((error: unknown) => {
    throw new ReportPathError(path, `cannot create files in ${folder}: ${reasonOf(error)}`);
  });
}

/**
 * Creates the missing folders above a report, one level at a time from the nearest one that exists
 * (never `mkdir -p`, which does not end below `/proc`).
 */
export async function createParentFolders(path: string): Promise<void> {
  const full = resolve(path);
  const missing: string[] = [];
  let folder = dirname(full);
  while (!(await statOrMissing(folder, path))) {
    missing.unshift(folder);
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  for (const dir of missing) {
    await mkdir(dir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw new ReportPathError(path, `cannot create the folder ${dir}: ${reasonOf(error)}`);
    });
  }
}

async function nearestExistingFolder(start: string, path: string): Promise<string> {
  let folder = start;
  for (;;) {
    const found = await statOrMissing(folder, path);
    if (found) {
      if (!found.isDirectory()) throw new ReportPathError(path, `${folder} is not a folder`);
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) return folder;
    folder = parent;
  }
}

/** The file's status, or undefined when it does not exist; any other failure is the path's problem. */
async function statOrMissing(full: string, path: string) {
  try {
    return await stat(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new ReportPathError(path, 'a part of the path is a file, not a folder');
    throw new ReportPathError(path, reasonOf(error));
  }
}

function kindOf(stats: Awaited<ReturnType<typeof stat>>): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'a folder on the way does not exist',
};

export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}
