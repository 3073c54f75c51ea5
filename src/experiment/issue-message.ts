import type { z } from 'zod';
import { didYouMean } from '../util/did-you-mean.js';
import { DURATION_PATTERN } from '../util/duration.js';

/**
 * A schema issue in the words of the file's author: what was expected and what was found, with a
 * value quoted only as an excerpt, and a value from the environment never shown.
 */

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

/**
 * The messages that need the schema that raised the issue, which only the parse's error map sees: a
 * number where a duration goes, and an unknown key next to the keys that object takes. Pass it as
 * `error` to every safeParse of the experiment; issueMessage keeps what it wrote.
 */
export function teachingErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type' && typeof issue.input === 'number' && isDurationText(issue.inst)) {
    return numberForDuration(issue.input);
  }
  if (issue.code === 'unrecognized_keys') {
    const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
    return unknownKeys(issue.keys, shape ? Object.keys(shape) : []);
  }
  return undefined;
}

const DURATION_SOURCE = new RegExp(DURATION_PATTERN).source;

/** Whether a schema is the text of a duration: a string checked against the duration pattern. */
function isDurationText(schema: unknown): boolean {
  const checks = (schema as { _zod?: { def?: { checks?: unknown[] } } } | undefined)?._zod?.def?.checks;
  return (checks ?? []).some(
    (check) =>
      (check as { _zod?: { def?: { pattern?: RegExp } } })._zod?.def?.pattern?.source === DURATION_SOURCE,
  );
}

/** `2` where a duration goes: YAML read a number, and a duration needs its unit. */
function numberForDuration(value: number): string {
  if (!Number.isFinite(value) || value < 0)
    return `\`${value}\` is a number: write a duration such as 2s or 500ms`;
  const millis = Number((value * 1000).toPrecision(12));
  return `\`${value}\` is a number: write \`${value}s\` or \`${millis}ms\``;
}

function unknownKeys(keys: readonly string[], known: readonly string[]): string {
  const near = keys.length === 1 ? didYouMean(keys[0]!, known) : '';
  if (near) return `unknown key ${quote(keys[0])}${near}`;
  const listed = keys.slice(0, 5).map(quote).join(', ') + (keys.length > 5 ? ', ...' : '');
  return `unknown key ${listed}; check the spelling (\`faultline schema\` lists the keys)`;
}

/** Messages written by teachingErrorMap start like this; zod's own start with "Invalid" or "Unrecognized". */
const TAUGHT = /^(`[^`]*` is a number: |unknown key )/;

export function issueMessage(issue: z.core.$ZodIssue, written?: string): string {
  if (TAUGHT.test(issue.message) && (issue.code === 'invalid_type' || issue.code === 'unrecognized_keys')) {
    return issue.message;
  }
  if (issue.code === 'unrecognized_keys') return unknownKeys(issue.keys, []);
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
    const choices = issue.values.map((value) => JSON.stringify(value)).join(', ');
    const near =
      typeof input === 'string' && written === undefined
        ? didYouMean(
            input,
            issue.values.filter((value) => typeof value === 'string'),
          )
        : '';
    return `expected one of ${choices}, found ${describeInput(input, written)}${near}`;
  }
  return issue.message;
}
