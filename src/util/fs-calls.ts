import { close, fstat, open, read, readdir, stat } from 'node:fs';
import { promisify } from 'node:util';

/**
 * The asynchronous file calls that finding and reading experiment files make, from node:fs's callback
 * functions: node:fs/promises would load about ten more of Node's own modules (streams, readline) at
 * the start of every `validate` and `run`, for five calls.
 */
export const statFile = promisify(stat);
export const readFolder = promisify(readdir);
export const openFile = promisify(open);
export const statOpen = promisify(fstat);
export const readOpen = promisify(read);
export const closeFile = promisify(close);
