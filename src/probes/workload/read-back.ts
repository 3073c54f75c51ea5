import { formatDuration } from '../../util/duration.js';
import { checkHeaders } from '../../util/http-headers.js';
import { observeCommand } from '../command/observe.js';
import { sendHttp } from '../http-request.js';
import { readJsonPath } from '../json-path.js';
import { ProbeFailure } from '../observation.js';
import type { HttpReadSpec, ReadSpec } from './types.js';

export const READ_DEFAULTS = { timeout: 10_000, maxPages: 1000, maxValues: 1_000_000, cursorParam: 'after' };
/** The longest page read, in characters: a longer one is cut and fails to parse, which says so. */
const MAX_PAGE_CHARS = 64 * 1024 * 1024;

export interface ReadBackDeps {
  /** Folder a host command runs in (the experiment file's folder). */
  cwd: string;
  signal: AbortSignal;
}

/**
 * What the system holds, as a list of values (repeats kept: they are the duplicates). Anything that
 * keeps the list from being read whole rejects with a ProbeFailure of kind `error`: a read-back that
 * failed never passes, and is never taken for a system that lost everything.
 */
export async function readBack(spec: ReadSpec, deps: ReadBackDeps): Promise<string[]> {
  const timeoutMs = spec.timeout ?? READ_DEFAULTS.timeout;
  if (spec.http) return readPages(spec.http, timeoutMs, deps.signal);
  return readLines(spec.command, timeoutMs, deps);
}

async function readLines(argv: readonly string[], timeoutMs: number, deps: ReadBackDeps): Promise<string[]> {
  let observation: Awaited<ReturnType<typeof observeCommand>>;
  try {
    observation = await observeCommand(argv, deps.cwd, timeoutMs, deps.signal);
  } catch (error) {
    throw failure(`the read-back ${error instanceof Error ? error.message : String(error)}`);
  }
  if (observation.kind !== 'process') throw failure('the read-back command gave no output');
  if (observation.exitCode !== 0) {
    const said = (observation.stderr.trim() || observation.stdout.trim()).slice(0, 200);
    throw failure(
      `the read-back command ${argv[0]} exited with ${observation.exitCode}${said ? `: ${said}` : ''}`,
    );
  }
  const values = observation.stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (values.length > READ_DEFAULTS.maxValues) {
    throw failure(`the read-back command printed more than ${READ_DEFAULTS.maxValues} values`);
  }
  return values;
}

async function readPages(spec: HttpReadSpec, timeoutMs: number, signal: AbortSignal): Promise<string[]> {
  const maxPages = spec.maxPages ?? READ_DEFAULTS.maxPages;
  const maxValues = spec.maxValues ?? READ_DEFAULTS.maxValues;
  const headers = checkHeaders(spec.headers);
  if (!headers.ok) throw failure(`the read-back request: ${headers.problem}`);
  if (!URL.canParse(spec.url)) throw failure(`the read-back URL is not a URL: ${spec.url}`);
  const first = new URL(spec.url);
  const seen = new Set<string>();
  const values: string[] = [];
  let url: URL | undefined = first;
  for (let page = 1; url; page++) {
    if (page > maxPages)
      throw failure(`the read-back still had more pages after ${maxPages}: raise maxPages`);
    const body = await fetchPage(url, spec, headers.headers, timeoutMs, signal);
    values.push(...pageValues(body, spec, url));
    if (values.length > maxValues)
      throw failure(`the read-back gave more than ${maxValues} values: raise maxValues`);
    url = nextPage(body, spec, first, url, seen);
  }
  return values;
}

async function fetchPage(
  url: URL,
  spec: HttpReadSpec,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<unknown> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  let answer: Awaited<ReturnType<typeof sendHttp>>;
  try {
    answer = await sendHttp(
      { url: url.href, method: spec.method ?? 'GET', headers },
      deadline,
      MAX_PAGE_CHARS,
    );
  } catch (error) {
    if (signal.aborted) throw failure('the read-back was cancelled');
    const why = deadline.aborted
      ? `no answer within ${formatDuration(timeoutMs)}`
      : error instanceof Error
        ? error.message
        : String(error);
    throw failure(`the read-back from ${url.href} failed: ${why}`);
  }
  if (answer.status < 200 || answer.status > 299) {
    throw failure(`the read-back from ${url.href} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  }
  try {
    return JSON.parse(answer.body);
  } catch {
    throw failure(`the read-back from ${url.href} is not JSON: ${answer.body.slice(0, 80)}`);
  }
}

/** The page's values as text: strings and numbers as they are, objects through the `value` path. */
function pageValues(body: unknown, spec: HttpReadSpec, url: URL): string[] {
  const found = readJsonPath(body, spec.values);
  if (!found.found || !Array.isArray(found.value)) {
    throw failure(`the read-back from ${url.href} has no array at ${spec.values}`);
  }
  return found.value.map((item, index) => {
    const value =
      spec.value !== undefined && isObject(item)
        ? readJsonPath(item, spec.value)
        : { found: true, value: item };
    if (value.found && (typeof value.value === 'string' || typeof value.value === 'number'))
      return String(value.value);
    const where = `${spec.values}[${index}]${spec.value !== undefined ? ` ${spec.value}` : ''}`;
    const hint =
      isObject(item) && spec.value === undefined
        ? ' (objects: name the id field with value, e.g. "$.id")'
        : '';
    throw failure(`the read-back from ${url.href}: ${where} is not a string or a number${hint}`);
  });
}

/** The next page's URL, or undefined after the last page. A cursor seen before is an endless listing. */
function nextPage(
  body: unknown,
  spec: HttpReadSpec,
  first: URL,
  current: URL,
  seen: Set<string>,
): URL | undefined {
  if (spec.next === undefined) return undefined;
  const { found, value } = readJsonPath(body, spec.next);
  if (!found || value === null || value === '' || value === false) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw failure(
      `the read-back from ${current.href}: the cursor at ${spec.next} is not a string or a number`,
    );
  }
  const cursor = String(value);
  if (seen.has(cursor))
    throw failure(`the read-back gave the cursor ${cursor} twice: the listing never ends`);
  seen.add(cursor);
  if (/^https?:\/\//i.test(cursor) || cursor.startsWith('/')) return new URL(cursor, current);
  const url = new URL(first);
  url.searchParams.set(spec.cursorParam ?? READ_DEFAULTS.cursorParam, cursor);
  return url;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function failure(message: string): ProbeFailure {
  return new ProbeFailure(message, 'error');
}
