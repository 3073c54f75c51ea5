import path from 'node:path';
import { DiskFillError } from './errors.js';
import { writeFill } from './fill.js';
import { findFills } from './find.js';
import { hostPath, locate, usedShare } from './locate.js';
import { removeFillIn } from './remove.js';

/**
 * The disk fill's side inside a helper container (the helper way): the helper shares the target's
 * process namespace, so the target's first process is pid 1 and its filesystems, volumes included,
 * are under /proc/1/root, exactly as the Docker host sees them under /proc/<pid>/root. The same code
 * as the nsenter way runs on that path. It imports only node built-ins and its own folder's modules,
 * so it is shipped to the helper as it is built (helper.ts); one operation per helper, its reply one
 * line of JSON after REPLY_MARK.
 */

export const REPLY_MARK = 'faultline-disk-reply ';
const PID = 1;

export type AgentOp =
  | { op: 'locate'; path: string; target: string }
  | { op: 'fill'; file: string; bytes: number }
  | { op: 'remove'; file: string }
  | { op: 'scan' };

export type AgentReply =
  | { ok: true; value: unknown }
  | { ok: false; message: string; code: string | undefined; disk: boolean };

async function perform(op: AgentOp): Promise<unknown> {
  switch (op.op) {
    case 'locate':
      return locate(PID, { name: op.target }, op.path);
    case 'fill': {
      const filled = await writeFill(hostPath(PID, op.file), op.bytes);
      return { ...filled, used: await usedShare(hostPath(PID, path.posix.dirname(op.file))) };
    }
    case 'remove':
      return removeFillIn(PID, op.file);
    case 'scan':
      return findFills(PID);
  }
}

export async function main(text: string): Promise<void> {
  let reply: AgentReply;
  try {
    reply = { ok: true, value: await perform(JSON.parse(text) as AgentOp) };
  } catch (error) {
    reply = {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      code: (error as NodeJS.ErrnoException).code,
      disk: error instanceof DiskFillError,
    };
  }
  process.stdout.write(`${REPLY_MARK}${JSON.stringify(reply)}\n`);
}
