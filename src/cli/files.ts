import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { fileKind, notRegular } from '../experiment/read-source.js';

const EXPERIMENT_FILE = /\.(ya?ml|json)$/i;

/** Expands arguments into experiment files: a folder contributes its .yaml, .yml and .json files, sorted. */
export async function expandExperimentFiles(inputs: readonly string[]): Promise<string[]> {
  if (inputs.length === 0) {
    throw new InvalidInputError('NO_FILES', 'no experiment file given', {
      hint: 'Pass one or more files or folders, e.g. `faultline run experiments/`.',
    });
  }
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) {
      throw new InvalidInputError('EXPERIMENT_UNREADABLE', `${input}: no such file or folder`, {
        hint: 'Check the path.',
      });
    }
    if (!info.isDirectory()) {
      // A FIFO, a socket or a device is refused before it is opened: reading one can block for ever.
      if (!info.isFile()) throw notRegular(input, fileKind(info));
      files.push(input);
      continue;
    }
    const entries = await readdir(input, { withFileTypes: true });
    const found: string[] = [];
    for (const entry of entries) {
      if (!EXPERIMENT_FILE.test(entry.name) || entry.name.endsWith('.schema.json')) continue;
      const file = path.join(input, entry.name);
      // Follows symbolic links: a link to an experiment file counts, a link to a FIFO is refused.
      const entryInfo = entry.isFile() ? undefined : await stat(file).catch(() => undefined);
      if (entryInfo?.isDirectory()) continue;
      if (entryInfo && !entryInfo.isFile()) throw notRegular(file, fileKind(entryInfo));
      if (entry.isFile() || entryInfo) found.push(file);
    }
    found.sort();
    if (found.length === 0) {
      throw new InvalidInputError('NO_FILES', `${input}: no .yaml, .yml or .json experiment in this folder`);
    }
    files.push(...found);
  }
  return files;
}
