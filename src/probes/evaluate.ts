import type { Expectation } from '../experiment/schema.js';
import type { Check } from '../model/journal.js';
import { type Comparison, compare } from '../util/comparison.js';
import { formatDuration } from '../util/duration.js';
import { readJsonPath } from './json-path.js';
import type { Observation } from './observation.js';

/** The kinds judged here; a kind with an observation of its own judges it itself (see registry.ts). */
export type JudgedKind = 'http' | 'tcp' | 'exec' | 'command' | 'container' | 'load';

/**
 * Compares an observation with the expectations. Each probe kind has a default expectation
 * (2xx, exit 0, running, connects) so that a probe with no `expect` can still fail.
 */
export function evaluate(kind: JudgedKind, expect: Expectation | undefined, seen: Observation): Check[] {
  const checks: Check[] = [];
  const e = expect ?? {};
  switch (seen.kind) {
    case 'http': {
      checks.push(checkStatus(e.status ?? '2xx', seen.status));
      if (e.body) checks.push(...checkText('body', e.body, seen.body));
      if (e.body?.json) checks.push(checkJson(e.body.json.path, e.body.json.equals, seen.body));
      break;
    }
    case 'tcp': {
      const want = e.connects ?? true;
      checks.push({
        name: 'connects',
        expected: want ? 'a connection' : 'no connection',
        actual: seen.connected ? 'connected' : (seen.error ?? 'no connection'),
        ok: seen.connected === want,
      });
      break;
    }
    case 'process': {
      const codes = e.exit === undefined ? [0] : Array.isArray(e.exit) ? e.exit : [e.exit];
      checks.push({
        name: 'exit code',
        expected: codes.join(' or '),
        actual:
          String(seen.exitCode) +
          (seen.exitCode !== 0 && seen.stderr.trim() ? ` (stderr: ${excerpt(seen.stderr)})` : ''),
        ok: codes.includes(seen.exitCode),
      });
      if (e.stdout) checks.push(...checkText('stdout', e.stdout, seen.stdout));
      if (e.stderr) checks.push(...checkText('stderr', e.stderr, seen.stderr));
      break;
    }
    case 'container': {
      const state = e.state ?? (kind === 'container' && !e.health && !e.restarts ? 'running' : undefined);
      if (state)
        checks.push({ name: 'state', expected: state, actual: seen.state, ok: seen.state === state });
      if (e.health)
        checks.push({
          name: 'health',
          expected: e.health,
          actual: seen.health,
          ok: seen.health === e.health,
        });
      if (e.restarts) checks.push(checkBound('restarts', e.restarts, seen.restarts, String));
      break;
    }
  }
  if (e.latency && seen.kind !== 'container') {
    checks.push(checkBound('latency', e.latency, seen.latencyMs, formatDuration));
  }
  return checks;
}

function checkStatus(want: number | number[] | string, status: number): Check {
  if (typeof want === 'string') {
    return { name: 'status', expected: want, actual: String(status), ok: String(status)[0] === want[0] };
  }
  const codes = Array.isArray(want) ? want : [want];
  return { name: 'status', expected: codes.join(' or '), actual: String(status), ok: codes.includes(status) };
}

function checkText(
  what: string,
  want: { contains?: string | undefined; matches?: string | undefined; equals?: string | undefined },
  text: string,
): Check[] {
  const checks: Check[] = [];
  if (want.contains !== undefined) {
    checks.push({
      name: `${what} contains`,
      expected: JSON.stringify(want.contains),
      actual: excerpt(text),
      ok: text.includes(want.contains),
    });
  }
  if (want.matches !== undefined) {
    checks.push({
      name: `${what} matches`,
      expected: `/${want.matches}/`,
      actual: excerpt(text),
      ok: new RegExp(want.matches, 'm').test(text),
    });
  }
  if (want.equals !== undefined) {
    checks.push({
      name: `${what} equals`,
      expected: JSON.stringify(want.equals),
      actual: excerpt(text),
      ok: text.trim() === want.equals.trim(),
    });
  }
  return checks;
}

function checkJson(path: string, want: unknown, body: string): Check {
  const name = `body ${path}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { name, expected: JSON.stringify(want), actual: `not JSON: ${excerpt(body)}`, ok: false };
  }
  const found = readJsonPath(parsed, path);
  if (!found.found) return { name, expected: JSON.stringify(want), actual: 'no such path', ok: false };
  return {
    name,
    expected: JSON.stringify(want),
    actual: JSON.stringify(found.value),
    ok: JSON.stringify(found.value) === JSON.stringify(want),
  };
}

function checkBound(name: string, bound: Comparison, actual: number, show: (value: number) => string): Check {
  return { name, expected: bound.text, actual: show(actual), ok: compare(actual, bound) };
}

function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty)';
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** The expectation a probe checks first, described for a failure where nothing could be observed. */
export function primaryExpectation(
  kind: JudgedKind,
  expect: Expectation | undefined,
): { name: string; expected: string } {
  const e = expect ?? {};
  switch (kind) {
    case 'http':
      return {
        name: 'status',
        expected: Array.isArray(e.status) ? e.status.join(' or ') : String(e.status ?? '2xx'),
      };
    case 'tcp':
      return { name: 'connects', expected: e.connects === false ? 'no connection' : 'a connection' };
    case 'exec':
    case 'command':
      return {
        name: 'exit code',
        expected: Array.isArray(e.exit) ? e.exit.join(' or ') : String(e.exit ?? 0),
      };
    case 'container':
      return { name: 'state', expected: e.state ?? 'running' };
    case 'load':
      return { name: 'thresholds', expected: (e.thresholds ?? []).join(', ') };
  }
}
