import { FaultlineError } from '../errors.js';
import {
  ExperimentInvalidError,
  type ExperimentProblem,
  type LoadedExperiment,
  loadExperimentFile,
} from '../experiment/load.js';
import { visible, visibleLine } from '../util/control-chars.js';
import { parseVars } from './commands/var-options.js';
import { expandExperimentFiles } from './files.js';
import type { Output } from './output.js';
import { parseSelection, select } from './select.js';

export interface InvalidFile {
  file: string;
  message: string;
  problems?: ExperimentProblem[];
}

export interface LoadedSelection {
  /** Valid experiments chosen by --tag and --grep, in file order. */
  loaded: LoadedExperiment[];
  /** Files that are not valid experiments: always reported, whatever --tag and --grep say. */
  invalid: InvalidFile[];
  /** Files of folders left out because they are not experiments. */
  skipped: { file: string; reason: string }[];
}

/**
 * The experiments a command works on: the files and folders given, each file loaded with the --var
 * and --var-file values, then chosen by --tag and --grep. Skipped and invalid files are told on
 * stderr as they are found; an option that is not valid, or a selection that chooses nothing, throws.
 */
export async function loadSelected(
  inputs: readonly string[],
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  output: Output,
): Promise<LoadedSelection> {
  const c = output.colors;
  const vars = await parseVars(options);
  const selection = parseSelection(options);
  const skipped: LoadedSelection['skipped'] = [];
  const files = await expandExperimentFiles(inputs, (file, reason) => {
    skipped.push({ file, reason });
    output.stderr.write(`${c.dim('skipped')} ${visibleLine(file)}: ${reason}\n`);
  });
  const loaded: LoadedExperiment[] = [];
  const invalid: InvalidFile[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadExperimentFile(file, env, vars));
    } catch (error) {
      if (!(error instanceof FaultlineError)) throw error;
      invalid.push({
        file,
        message: error.message,
        ...(error instanceof ExperimentInvalidError ? { problems: error.problems } : {}),
      });
      output.stderr.write(`${c.red('invalid')} ${visible(error.message)}\n`);
    }
  }
  return { loaded: select(selection, loaded), invalid, skipped };
}
