import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

/** Files that only ever appear whole: written privately, then linked or renamed into place. */

/** Writes `content` to a private file, fully, and returns its path. */
export function writePrivate(file: string, content: string): string {
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/** Links a complete file into place; false if something is already there. */
export function createExclusive(file: string, content: string): boolean {
  const temp = writePrivate(file, content);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    removeQuiet(temp);
  }
}

export function replaceAtomically(file: string, content: string): void {
  const temp = writePrivate(file, content);
  try {
    renameSync(temp, file);
  } catch (error) {
    removeQuiet(temp);
    throw error;
  }
}

export function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function removeQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
