import type { z } from 'zod';

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

export function issueMessage(issue: z.core.$ZodIssue, written?: string): string {
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
