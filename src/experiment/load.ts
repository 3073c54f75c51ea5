import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { secrets } from '../util/redact.js';
import { type Experiment, experiment } from './schema.js';
import { pathKey, substituteDocument } from './substitute.js';

export interface ExperimentProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path in the document, e.g. method[2].pause.target.service */
  path: string;
  message: string;
}

export interface LoadedExperiment {
  file: string;
  /** Directory of the file: relative paths in host commands resolve against it. */
  directory: string;
  experiment: Experiment;
}

/** Thrown when a file does not validate; carries every problem found, not just the first. */
export class ExperimentInvalidError extends InvalidInputError {
  readonly problems: ExperimentProblem[];
  constructor(file: string, found: ExperimentProblem[]) {
    // A message may quote a value, and a value may be a secret.
    const problems = found.map((problem) => ({ ...problem, message: secrets.redact(problem.message) }));
    super(
      'EXPERIMENT_INVALID',
      `${file} is not a valid experiment:\n${problems.map(formatProblem).join('\n')}`,
      {
        hint: 'Fix the lines above; `faultline schema` prints the full format.',
      },
    );
    this.problems = problems;
  }
}

export function formatProblem(problem: ExperimentProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`;
}

export function toDotPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

export async function loadExperimentFile(
  file: string,
  env: Record<string, string | undefined> = process.env,
): Promise<LoadedExperiment> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(
      'EXPERIMENT_UNREADABLE',
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`,
      { hint: 'Check the path; a folder runs every .yaml, .yml and .json file in it.', cause: error },
    );
  }
  return parseExperiment(text, file, env);
}

/** Parses YAML or JSON text into a validated experiment; every problem names file, line and column. */
export function parseExperiment(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): LoadedExperiment {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, pathText: string, message: string): ExperimentProblem => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: pathText, message };
  };

  if (document.errors.length > 0) {
    // Only the first syntax error: the ones after it are usually its echoes.
    const first = document.errors[0]!;
    const line = text.split('\n')[lineCounter.linePos(first.pos[0]).line - 1] ?? '';
    const hint = /\{[^}]*\$\{/.test(line) ? ' (a ${variable} inside { } must be quoted: "${variable}")' : '';
    throw new ExperimentInvalidError(file, [at(first.pos[0], '', `${yamlMessage(first.message)}${hint}`)]);
  }
  const locate = (segments: readonly PropertyKey[], atKey = false): ExperimentProblem =>
    at(offsetOf(document.contents, segments, atKey), toDotPath(segments), '');

  const raw = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (raw === null || raw === undefined) {
    throw new ExperimentInvalidError(file, [
      at(0, '', 'the file is empty; expected an experiment (title, hypothesis, method)'),
    ]);
  }
  const substituted = substituteDocument(raw, env);
  if (substituted.issues.length > 0) {
    throw new ExperimentInvalidError(
      file,
      substituted.issues.map((issue) => ({ ...locate(issue.path), message: issue.message })),
    );
  }

  const parsed = experiment.safeParse(substituted.value, { reportInput: true });
  if (!parsed.success) {
    throw new ExperimentInvalidError(
      file,
      parsed.error.issues
        .map((issue) => {
          const unknownKey = issue.code === 'unrecognized_keys';
          const segments = unknownKey ? [...issue.path, issue.keys[0]!] : issue.path;
          const atKey = unknownKey || (issue.code === 'custom' && issue.params?.atKey === true);
          const written = substituted.written.get(pathKey(issue.path));
          return { ...locate(segments, atKey), message: issueMessage(issue, written) };
        })
        .sort((a, b) => a.line - b.line || a.column - b.column),
    );
  }
  return { file, directory: path.dirname(path.resolve(file)), experiment: parsed.data };
}

function yamlMessage(message: string): string {
  return `YAML syntax: ${message.split('\n')[0]}`;
}

const TYPE_NAMES: Record<string, string> = {
  record: 'a mapping',
  nonoptional: 'a value',
  array: 'a list',
  object: 'a mapping',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** `written`: the text as written when the value came from the environment, shown instead of it. */
function describeInput(input: unknown, written?: string): string {
  if (input === undefined) return 'nothing';
  if (written !== undefined && typeof input === 'string') {
    return `${JSON.stringify(written)} (a string from the environment, not shown)`;
  }
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  return `${TYPE_NAMES[typeof input] ?? typeof input} (${JSON.stringify(input)})`;
}

function issueMessage(issue: z.core.$ZodIssue, written?: string): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return `unknown key ${keys}; check the spelling (\`faultline schema\` lists the keys)`;
  }
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type') {
    if (input === undefined) return `is required (expected ${TYPE_NAMES[issue.expected] ?? issue.expected})`;
    return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, found ${describeInput(input, written)}`;
  }
  if (issue.code === 'invalid_union') {
    const expected = [
      ...new Set(
        issue.errors
          .flatMap((errors) =>
            errors.filter((error) => error.code === 'invalid_type' && error.path.length === 0),
          )
          .map(
            (error) =>
              TYPE_NAMES[(error as { expected: string }).expected] ??
              (error as { expected: string }).expected,
          ),
      ),
    ];
    if (expected.length > 0)
      return `expected ${expected.join(' or ')}, found ${describeInput(input, written)}`;
    const first = issue.errors.find((errors) => errors.length > 0)?.[0];
    if (first) return first.message;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, found ${describeInput(input, written)}`;
  }
  return issue.message;
}

/** Finds the source offset of the node at `segments`, falling back to the nearest existing parent. */
function offsetOf(root: Node | null, segments: readonly PropertyKey[], atKey: boolean): number {
  let node: unknown = root;
  let best = rangeStart(root) ?? 0;
  for (const [index, segment] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      best = rangeStart(pair.key as Node) ?? best;
      if (atKey && index === segments.length - 1) break;
      node = pair.value;
      if (node === null) break;
      best = rangeStart(node as Node) ?? best;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) break;
      best = rangeStart(node as Node) ?? best;
    } else {
      break;
    }
  }
  return best;
}

function rangeStart(node: Node | null | undefined): number | undefined {
  return node && 'range' in node && node.range ? node.range[0] : undefined;
}
