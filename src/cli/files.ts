import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { isExperimentFile } from '../experiment/is-experiment.js';
import { fileKind, notRegular } from '../experiment/read-source.js';
import { readFolder, statFile } from '../util/fs-calls.js';

const EXPERIMENT_FILE = /\.(ya?ml|json)$/i;
/** Told once for each file of a folder that is not an experiment. */
export type SkipNote = (file: string, why: string) => void;

/**
 * Expands arguments into experiment files. A file named on the command line is always taken. A
 * folder contributes its own .yaml, .yml and .json files, sorted, keeping only experiments (see
 * isExperimentFile): any other file (a compose file, a CI config) is skipped and told to `skipped`.
 * Subfolders are not searched: a suite kept in `experiments/` stays apart from, say, a demo in
 * `experiments/patterns/`; name each folder to run, or let the shell expand a glob.
 */
export async function expandExperimentFiles(
  inputs: readonly string[],
  skipped?: SkipNote,
): Promise<string[]> {
  if (inputs.length === 0) {
    throw new InvalidInputError('NO_FILES', 'no experiment file given', {
      hint: 'Pass one or more files or folders, e.g. `faultline run experiments/`.',
    });
  }
  const files: string[] = [];
  for (const input of inputs) {
    const info = await statFile(input).catch(() => undefined);
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
    const found: string[] = [];
    for (const file of (await candidates(input)).sort()) {
      if (await isExperimentFile(file)) found.push(file);
      else skipped?.(file, 'not an experiment (no method or hypothesis at its top level)');
    }
    if (found.length === 0) {
      throw new InvalidInputError(
        'NO_FILES',
        `${input}: no experiment in this folder (subfolders are not searched)`,
        {
          hint: 'An experiment is a .yaml, .yml or .json file with a method or a hypothesis at its top level.',
        },
      );
    }
    files.push(...found);
  }
  return files;
}

/** The .yaml, .yml and .json files of a folder, JSON Schemas left out. */
async function candidates(folder: string): Promise<string[]> {
  const entries = await readFolder(folder, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) continue;
    if (!EXPERIMENT_FILE.test(entry.name) || entry.name.endsWith('.schema.json')) continue;
    // Follows symbolic links: a link to an experiment file counts, a link to a FIFO is refused.
    const entryInfo = entry.isFile() ? undefined : await statFile(file).catch(() => undefined);
    if (entryInfo?.isDirectory()) continue;
    if (entryInfo && !entryInfo.isFile()) throw notRegular(file, fileKind(entryInfo));
    if (entry.isFile() || entryInfo) found.push(file);
  }
  return found;
}
