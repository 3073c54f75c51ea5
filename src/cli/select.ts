import { InvalidInputError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/load.js';

/** Which experiments `--tag` and `--grep` choose; empty means all. */
export interface Selection {
  tags: readonly string[];
  grep?: RegExp | undefined;
}

export function parseSelection(options: Record<string, unknown>): Selection {
  const tags = (options.tag as string[] | undefined) ?? [];
  const pattern = options.grep as string | undefined;
  if (pattern === undefined) return { tags };
  try {
    return { tags, grep: new RegExp(pattern) };
  } catch (error) {
    throw new InvalidInputError(
      'BAD_OPTION',
      `--grep ${pattern}: not a regular expression (${error instanceof Error ? error.message : String(error)})`,
      { hint: 'Use a JavaScript regular expression, e.g. --grep "checkout|payment".' },
    );
  }
}

export function isSelecting(selection: Selection): boolean {
  return selection.tags.length > 0 || selection.grep !== undefined;
}

/** An experiment is chosen when it carries one of the tags (if any) and its title or file matches --grep. */
export function chooses(selection: Selection, loaded: LoadedExperiment): boolean {
  const tags = loaded.experiment.tags ?? [];
  if (selection.tags.length > 0 && !selection.tags.some((tag) => tags.includes(tag))) return false;
  const grep = selection.grep;
  return grep === undefined || grep.test(loaded.experiment.title) || grep.test(loaded.file);
}

/** The experiments chosen; none chosen out of some valid ones is invalid input (exit 2). */
export function select(selection: Selection, loaded: readonly LoadedExperiment[]): LoadedExperiment[] {
  if (!isSelecting(selection)) return [...loaded];
  const chosen = loaded.filter((item) => chooses(selection, item));
  if (chosen.length === 0 && loaded.length > 0) {
    const asked = [
      ...selection.tags.map((tag) => `--tag ${tag}`),
      ...(selection.grep ? [`--grep ${selection.grep.source}`] : []),
    ].join(' ');
    const tags = [...new Set(loaded.flatMap((item) => item.experiment.tags ?? []))].sort();
    throw new InvalidInputError(
      'NOTHING_SELECTED',
      `no experiment matches ${asked} (of ${loaded.length} found)`,
      {
        hint:
          tags.length > 0 ? `The tags in these files: ${tags.join(', ')}.` : 'None of these files has tags.',
      },
    );
  }
  return chosen;
}
