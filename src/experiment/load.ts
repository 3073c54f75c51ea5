import path from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, visit } from 'yaml';
import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { secrets } from '../util/redact.js';
import { decodeExperimentText } from './decode.js';
import { parseYaml } from './parse-yaml.js';
import { readExperimentBytes } from './read-source.js';
import { type Experiment, experiment } from './schema.js';
import { pathKey, substituteDocument } from './substitute.js';
import { flowTooDeep, MAX_FLOW_DEPTH, nodeProblems } from './yaml-guards.js';

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

export function toDotPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/**
 * Reads and validates an experiment file. Only a regular file of at most 1 MiB of UTF-8 text is read
 * (see read-source.ts and decode.ts).
 */
export async function loadExperimentFile(
  file: string,
  env: Record<string, string | undefined> = process.env,
): Promise<LoadedExperiment> {
  return parseExperimentBytes(await readExperimentBytes(file), file, env);
}

/** Decodes the bytes of an experiment file (UTF-8 only) and validates it. */
export function parseExperimentBytes(
  bytes: Uint8Array,
  file: string,
  env: Record<string, string | undefined> = process.env,
): LoadedExperiment {
  const decoded = decodeExperimentText(bytes);
  if ('problem' in decoded) {
    throw new ExperimentInvalidError(
      file,
      [{ file, path: '', ...decoded.problem }],
      'Convert it, e.g. `iconv -f UTF-16 -t UTF-8`, or save it as UTF-8 in your editor.',
    );
  }
  return parseExperiment(decoded.text, file, env);
}

/** Parses YAML or JSON text into a validated experiment; every problem names file, line and column. */
export function parseExperiment(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): LoadedExperiment {
  const lineCounter = new LineCounter();
  const at = (offset: number, pathText: string, message: string): ExperimentProblem => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: pathText, message };
  };
  const tooDeep = flowTooDeep(text);
  if (tooDeep !== undefined) {
    // The line counter is filled by the parser: count this position by hand.
    const before = text.slice(0, tooDeep).split('\n');
    throw new ExperimentInvalidError(file, [
      {
        file,
        line: before.length,
        column: before.at(-1)!.length + 1,
        path: '',
        message: `YAML nested more than ${MAX_FLOW_DEPTH} levels deep with [ and {; an experiment needs a few`,
      },
    ]);
  }
  const yaml = parseYaml(text, lineCounter);
  if ('syntaxError' in yaml) {
    const { offset, message } = yaml.syntaxError;
    throw new ExperimentInvalidError(file, [at(offset, '', yamlMessage(message))]);
  }
  const { document } = yaml;

  if (document.errors.length > 0) {
    // Only the first syntax error: the ones after it are usually its echoes.
    const first = document.errors[0]!;
    const line = text.split('\n')[lineCounter.linePos(first.pos[0]).line - 1] ?? '';
    const hint = /\{[^}]*\$\{/.test(line) ? ' (a ${variable} inside { } must be quoted: "${variable}")' : '';
    throw new ExperimentInvalidError(file, [at(first.pos[0], '', `${yamlMessage(first.message)}${hint}`)]);
  }
  const locate = (segments: readonly PropertyKey[], atKey = false): ExperimentProblem =>
    at(offsetOf(document.contents, segments, atKey), toDotPath(segments), '');

  const structural = nodeProblems(document);
  if (structural.length > 0) {
    throw new ExperimentInvalidError(
      file,
      structural.map((problem) => at(problem.offset, toDotPath(problem.segments), problem.message)),
    );
  }

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package refuses an alias "bomb" (aliases of aliases that expand exponentially).
    if (!(error instanceof ReferenceError)) throw error;
    throw new ExperimentInvalidError(file, [
      at(
        firstAliasOffset(document),
        '',
        `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} copies); write the values out instead`,
      ),
    ]);
  }
  if (raw === null || raw === undefined) {
    throw new ExperimentInvalidError(file, [
      at(0, '', 'the file is empty; expected an experiment (title, hypothesis, method)'),
    ]);
  }
  // Only the environment's own variables: ${env:constructor} must not find Object.prototype's.
  const ownEnv: Record<string, string | undefined> = Object.assign(Object.create(null), env);
  const substituted = substituteDocument(raw, ownEnv);
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

/** How many copies aliases may make of anchored values (the yaml package's own default). */
const MAX_ALIAS_COUNT = 100;

function firstAliasOffset(document: Document): number {
  let offset = 0;
  visit(document, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

function yamlMessage(message: string): string {
  return `YAML syntax: ${clip(message.split('\n')[0] ?? '', 200)}`;
}

/** At most `max` characters of a text from the file: an error never echoes more than an excerpt. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A value or key from the file, quoted with control characters escaped, and cut short. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 56)}..."` : text;
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
  if (typeof input === 'number' && !Number.isFinite(input)) return `a number too large (${String(input)})`;
  return `${TYPE_NAMES[typeof input] ?? typeof input} (${quote(input)})`;
}

function issueMessage(issue: z.core.$ZodIssue, written?: string): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 5).map(quote).join(', ') + (issue.keys.length > 5 ? ', ...' : '');
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
