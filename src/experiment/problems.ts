import { InvalidInputError } from '../errors.js';
import { secrets } from '../util/redact.js';

/**
 * What is wrong with an experiment file, where (file, line, column, path in the document), and the
 * error that carries every such problem to the user.
 */

export interface ExperimentProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path in the document, e.g. method[2].pause.target.service */
  path: string;
  message: string;
}

/** Thrown when a file does not validate; carries every problem found, not just the first. */
export class ExperimentInvalidError extends InvalidInputError {
  readonly problems: ExperimentProblem[];
  constructor(file: string, found: ExperimentProblem[], hint?: string) {
    // A message may quote a value, and a value may be a secret.
    const problems = found.map((problem) => ({ ...problem, message: secrets.redact(problem.message) }));
    super('EXPERIMENT_INVALID', `${file} is not a valid experiment:\n${listProblems(problems)}`, {
      hint: hint ?? 'Fix the lines above; `faultline schema` prints the full format.',
    });
    this.problems = problems;
  }
}

/** The most problems a message lists: a file that is no experiment at all may have hundreds. */
const MAX_LISTED_PROBLEMS = 20;

function listProblems(problems: readonly ExperimentProblem[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem);
  const more = problems.length - listed.length;
  if (more > 0) listed.push(`... and ${more} more problem${more === 1 ? '' : 's'}; fix these first`);
  return listed.join('\n');
}

export function formatProblem(problem: ExperimentProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const message = printable(problem.message, 400);
  return problem.path ? `${where} ${printable(problem.path, 120)}: ${message}` : `${where} ${message}`;
}

/**
 * Text from the file as it may appear in a message: control characters (which could drive the
 * terminal) escaped, and cut to an excerpt.
 */
function printable(text: string, max: number): string {
  const escaped = text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return clip(escaped, max);
}

/** At most `max` characters of a text from the file: an error never echoes more than an excerpt. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function toDotPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/**
 * What to add to a YAML syntax error, from the line it is on: a plain value that holds ": " (YAML
 * reads a second key there) must be quoted, and so must a ${variable} inside { }.
 */
export function yamlSyntaxHint(line: string): string {
  const colon = /^(\s*(?:-\s+)?)([A-Za-z0-9_$.-]+):\s+([^\s'"{[|>&*!#][^#]*?:\s.*?)\s*$/.exec(line);
  if (colon) {
    // A comment (" #") after the value stays a comment.
    const quoted = JSON.stringify(colon[3]!.replace(/\s+#.*$/, ''));
    return ` (a value that contains ": " must be quoted: ${clip(`${colon[2]}: ${quoted}`, 120)})`;
  }
  if (/\{[^}]*\$\{/.test(line)) return ' (a ${variable} inside { } must be quoted: "${variable}")';
  return '';
}
