import { constants, type Stats } from 'node:fs';
import { InvalidInputError } from '../errors.js';
import { closeFile, openFile, readOpen, statOpen } from '../util/fs-calls.js';

/** The largest experiment file read: an experiment is a few kilobytes, so 1 MiB leaves plenty of room. */
export const MAX_EXPERIMENT_BYTES = 1024 * 1024;

/**
 * Reads an experiment file's bytes. What is not a regular file (a FIFO, a socket, a device, a folder)
 * is refused before a byte is read, and so is a file above MAX_EXPERIMENT_BYTES. The file is opened
 * non-blocking and checked on the open descriptor, so a FIFO can never hang the read.
 */
export async function readExperimentBytes(file: string): Promise<Uint8Array> {
  let fd: number;
  try {
    fd = await openFile(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Opening a Unix socket fails with ENXIO.
    if (code === 'ENXIO') throw notRegular(file, 'a socket or a device');
    throw new InvalidInputError(
      'EXPERIMENT_UNREADABLE',
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`,
      { hint: 'Check the path; a folder runs every .yaml, .yml and .json file in it.', cause: error },
    );
  }
  try {
    const info = await statOpen(fd);
    if (!info.isFile()) throw notRegular(file, fileKind(info));
    if (info.size > MAX_EXPERIMENT_BYTES) throw tooLarge(file, info.size);
    // Read at most one byte past the limit: a file that grows after the check (or reports no size, as
    // /proc files do) is caught as well.
    const buffer = Buffer.alloc(MAX_EXPERIMENT_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await readOpen(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_EXPERIMENT_BYTES) throw tooLarge(file, length);
    }
    return buffer.subarray(0, length);
  } finally {
    await closeFile(fd);
  }
}

/** What a non-regular file is, in words. */
export function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export function notRegular(file: string, kind: string): InvalidInputError {
  return new InvalidInputError(
    'EXPERIMENT_NOT_A_FILE',
    `${file} is ${kind}, not a regular file: faultline reads experiments only from regular files`,
    { hint: 'Save the experiment to a file (e.g. `cat > experiment.yaml`) and pass that path.' },
  );
}

function tooLarge(file: string, size: number): InvalidInputError {
  return new InvalidInputError(
    'EXPERIMENT_TOO_LARGE',
    `${file} is ${formatBytes(size)}${size === MAX_EXPERIMENT_BYTES + 1 ? ' or more' : ''}; an experiment file may be at most ${formatBytes(MAX_EXPERIMENT_BYTES)} (${MAX_EXPERIMENT_BYTES} bytes)`,
    { hint: 'An experiment is a few kilobytes of YAML or JSON: check that this is the right file.' },
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(1)} MiB`;
}
