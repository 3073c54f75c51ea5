import { randomBytes } from 'node:crypto';
import { appendFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkReportPath, createParentFolders, ReportPathError, reasonOf } from './report-path.js';

/**
 * Writes a report so that a reader never sees half of it: the text goes to a temporary file next to
 * the target, which is then renamed over it. Missing parent folders are created. A path that cannot
 * take a report (a folder, a device, a read-only file, `/proc`, `/sys`) fails at once with a
 * ReportPathError that names it and says why.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await checkReportPath(path);
  await createParentFolders(path);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new ReportPathError(path, reasonOf(error));
  }
}

export interface AppendWithinCapOptions {
  maxBytes: number;
  /** Appended in place of whatever did not fit. */
  note?: string;
  /** Put before the text when the file already has content. */
  separator?: string;
}

/**
 * Appends text to a file (created if missing) without letting it grow past `maxBytes`. When the text
 * does not fit, it is cut at a line boundary and the note takes the place of the rest. Returns what was
 * appended.
 */
export async function appendWithinCap(
  path: string,
  text: string,
  options: AppendWithinCapOptions,
): Promise<string> {
  await checkReportPath(path);
  const size = await fileSize(path);
  const whole = size > 0 ? (options.separator ?? '') + text : text;
  const chunk = fitToBytes(whole, options.maxBytes - size, options.note ?? '');
  if (chunk !== '') {
    await appendFile(path, chunk, 'utf8').catch((error: unknown) => {
      throw new ReportPathError(path, reasonOf(error));
    });
  }
  return chunk;
}

/** `text` when it fits in `room` bytes; otherwise the longest leading lines that fit with `note` after them. */
export function fitToBytes(text: string, room: number, note: string): string {
  if (Buffer.byteLength(text, 'utf8') <= room) return text;
  const noteBytes = Buffer.byteLength(note, 'utf8');
  if (noteBytes > room) return '';
  const head = utf8Prefix(text, room - noteBytes);
  const lastNewline = head.lastIndexOf('\n');
  return (lastNewline >= 0 ? head.slice(0, lastNewline + 1) : head) + note;
}

/** The longest prefix of `text` whose UTF-8 encoding has at most `bytes` bytes, never splitting a character. */
function utf8Prefix(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  let end = Math.max(0, bytes);
  // Back up over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end--;
  return buffer.subarray(0, end).toString('utf8');
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
