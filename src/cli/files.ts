import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

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
      files.push(input);
      continue;
    }
    const entries = await readdir(input, { withFileTypes: true });
    const found = entries
      .filter(
        (entry) => entry.isFile() && EXPERIMENT_FILE.test(entry.name) && !entry.name.endsWith('.schema.json'),
      )
      .map((entry) => path.join(input, entry.name))
      .sort();
    if (found.length === 0) {
      throw new InvalidInputError('NO_FILES', `${input}: no .yaml, .yml or .json experiment in this folder`);
    }
    files.push(...found);
  }
  return files;
}
