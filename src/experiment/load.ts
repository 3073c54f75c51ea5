import path from 'node:path';
import { type Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { decodeExperimentText } from './decode.js';
import { issueMessage, teachingErrorMap } from './issue-message.js';
import { firstAliasOffset, offsetOf } from './node-offset.js';
import { parseYaml } from './parse-yaml.js';
import {
  clip,
  ExperimentInvalidError,
  type ExperimentProblem,
  toDotPath,
  yamlSyntaxHint,
} from './problems.js';
import { readExperimentBytes } from './read-source.js';
import { type Experiment, experiment } from './schema.js';
import { pathKey, substituteDocument } from './substitute.js';
import { flowTooDeep, MAX_FLOW_DEPTH, nodeProblems } from './yaml-guards.js';

/**
 * Loading an experiment file: bytes to UTF-8 text, text to one YAML document (guarded against hostile
 * input), the document to plain data, ${...} substituted, and the result validated by the schema.
 * Every problem names file, line and column (problems.ts).
 */

export { ExperimentInvalidError, type ExperimentProblem, formatProblem, toDotPath } from './problems.js';

export interface LoadedExperiment {
  file: string;
  /** Directory of the file: relative paths in host commands resolve against it. */
  directory: string;
  experiment: Experiment;
}

/** A problem at an offset in the text. */
type At = (offset: number, pathText: string, message: string) => ExperimentProblem;

/** A problem at a path in the document (at its key with `atKey`), without a message yet. */
type Locate = (segments: readonly PropertyKey[], atKey?: boolean) => ExperimentProblem;

/**
 * Reads and validates an experiment file. Only a regular file of at most 1 MiB of UTF-8 text is read
 * (see read-source.ts and decode.ts).
 */
export async function loadExperimentFile(
  file: string,
  env: Record<string, string | undefined> = process.env,
  vars: Readonly<Record<string, string>> = {},
): Promise<LoadedExperiment> {
  return parseExperimentBytes(await readExperimentBytes(file), file, env, vars);
}

/** Decodes the bytes of an experiment file (UTF-8 only) and validates it. */
export function parseExperimentBytes(
  bytes: Uint8Array,
  file: string,
  env: Record<string, string | undefined> = process.env,
  vars: Readonly<Record<string, string>> = {},
): LoadedExperiment {
  const decoded = decodeExperimentText(bytes);
  if ('problem' in decoded) {
    throw new ExperimentInvalidError(
      file,
      [{ file, path: '', ...decoded.problem }],
      'Convert it, e.g. `iconv -f UTF-16 -t UTF-8`, or save it as UTF-8 in your editor.',
    );
  }
  return parseExperiment(decoded.text, file, env, vars);
}

/** Parses YAML or JSON text into a validated experiment; every problem names file, line and column. */
export function parseExperiment(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
  vars: Readonly<Record<string, string>> = {},
): LoadedExperiment {
  const lineCounter = new LineCounter();
  const at: At = (offset, pathText, message) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: pathText, message };
  };
  const document = parseDocument(text, file, lineCounter, at);
  const locate: Locate = (segments, atKey = false) =>
    at(offsetOf(document.contents, segments, atKey), toDotPath(segments), '');
  const raw = plainData(document, file, at);

  // Only the environment's own variables: ${env:constructor} must not find Object.prototype's.
  const ownEnv: Record<string, string | undefined> = Object.assign(Object.create(null), env);
  const substituted = substituteDocument(raw, ownEnv, undefined, vars);
  if (substituted.issues.length > 0) {
    throw new ExperimentInvalidError(
      file,
      substituted.issues.map((issue) => ({ ...locate(issue.path), message: issue.message })),
    );
  }

  const parsed = experiment().safeParse(substituted.value, { reportInput: true, error: teachingErrorMap });
  if (!parsed.success) {
    throw new ExperimentInvalidError(file, schemaProblems(parsed.error.issues, substituted.written, locate));
  }
  return { file, directory: path.dirname(path.resolve(file)), experiment: parsed.data };
}

/** One YAML document, refused with its first problem when it is not well-formed or is hostile. */
function parseDocument(text: string, file: string, lineCounter: LineCounter, at: At): Document.Parsed {
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
    throw new ExperimentInvalidError(file, [
      at(first.pos[0], '', `${yamlMessage(first.message)}${yamlSyntaxHint(line)}`),
    ]);
  }

  const structural = nodeProblems(document);
  if (structural.length > 0) {
    throw new ExperimentInvalidError(
      file,
      structural.map((problem) => at(problem.offset, toDotPath(problem.segments), problem.message)),
    );
  }
  return document;
}

/** How many copies aliases may make of anchored values (the yaml package's own default). */
const MAX_ALIAS_COUNT = 100;

/** The document as plain data; refused when its aliases expand too far or it holds nothing. */
function plainData(document: Document.Parsed, file: string, at: At): unknown {
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
  return raw;
}

/** The schema's issues as problems, in the order of the file. */
function schemaProblems(
  issues: readonly z.core.$ZodIssue[],
  written: ReadonlyMap<string, string>,
  locate: Locate,
): ExperimentProblem[] {
  return issues
    .map((issue) => {
      const unknownKey = issue.code === 'unrecognized_keys';
      const segments = unknownKey ? [...issue.path, issue.keys[0]!] : issue.path;
      const atKey = unknownKey || (issue.code === 'custom' && issue.params?.atKey === true);
      return { ...locate(segments, atKey), message: issueMessage(issue, written.get(pathKey(issue.path))) };
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

function yamlMessage(message: string): string {
  return `YAML syntax: ${clip(message.split('\n')[0] ?? '', 200)}`;
}
