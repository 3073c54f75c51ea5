// Shared by scripts/bench.mjs and its sections: child processes, the bench's Docker objects and their
// clean-up, statistics and tables.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IMAGE = process.env.FAULTLINE_FIXTURE_IMAGE ?? 'faultline-fixture-node:latest';

/**
 * Every container and network the bench creates carries this label, and nothing else does. It is not
 * org.faultline.test: the test suite removes whatever carries that, so the two could not run side by side.
 */
export const LABEL_KEY = 'org.faultline.bench';
export const LABEL_VALUE = '1';
export const LABEL = `${LABEL_KEY}=${LABEL_VALUE}`;
export const NAME_PREFIX = 'faultline-bench-';

/** Labels faultline puts on its helper containers (src/docker/labels.ts). */
const HELPER_LABEL = 'org.faultline.helper';
const RUN_ID_LABEL = 'org.faultline.run-id';
const TARGET_ID_LABEL = 'org.faultline.target-id';

// ------------------------------------------------------------------------------------ child processes

/** Children in flight, so that an interrupt can stop them before the containers are removed. */
export const children = new Set();
const state = { interrupted: false };

export class Interrupted extends Error {}

export function markInterrupted() {
  state.interrupted = true;
}
export function isInterrupted() {
  return state.interrupted;
}
export function checkInterrupted() {
  if (state.interrupted) throw new Interrupted('interrupted');
}

/**
 * Runs a program with an argument list (never through a shell) and resolves with its exit status,
 * output and wall time (`options.input`: text for its stdin). `faultline run` children get their own process group so that Ctrl-C reaches
 * them once, from here, and they revert in an orderly way.
 */
export function run(command, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: options.ownGroup ?? false,
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    const entry = { child, interruptible: options.ownGroup ?? false };
    children.add(entry);
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => {
      children.delete(entry);
      reject(error);
    });
    child.on('close', (code, signal) => {
      children.delete(entry);
      resolve({
        code,
        signal,
        ms: performance.now() - started,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Runs a program; resolves with trimmed stdout, throws with stderr when it fails. */
export async function check(command, argv) {
  const result = await run(command, argv);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${argv.join(' ')} failed (exit ${result.code ?? result.signal}): ${(result.stderr || result.stdout).trim()}`,
    );
  }
  return result.stdout.trim();
}

/** `docker ARGS...`; resolves with trimmed stdout, throws with stderr when it fails. */
export function docker(...argv) {
  return check('docker', argv);
}

export function lines(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function waitForChildren(timeoutMs) {
  if (children.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const poll = setInterval(() => {
      if (children.size === 0 || Date.now() > deadline) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
}

// ------------------------------------------------------------------------------ bench Docker objects

/** Run ids the bench handed to faultline's engine: their helper containers are the bench's to remove. */
export const benchRunIds = new Set();

/**
 * A repetition's preamble: a fresh run id (its helpers are the bench's to remove), the plan built and
 * timed, and its injections, which must number `expected`.
 */
export async function plannedInjections({ dist, client, loaded, expected }) {
  const runId = randomBytes(4).toString('hex');
  benchRunIds.add(runId);
  const started = performance.now();
  const plan = await dist.buildPlan(loaded, client, { seed: 1, runId });
  const planMs = performance.now() - started;
  const injections = dist.allInjections(plan.steps);
  if (injections.length !== expected)
    throw new Error(`the plan has ${injections.length} injections, expected ${expected}`);
  return { runId, planMs, injections };
}

export async function benchContainerIds() {
  return lines(await docker('ps', '-aq', '--filter', `label=${LABEL}`));
}

export async function benchNetworkIds() {
  return lines(await docker('network', 'ls', '-q', '--filter', `label=${LABEL}`));
}

/**
 * faultline helper containers that belong to the bench: made under one of its run ids, or sharing the
 * namespace of a bench container (left by an earlier, killed bench run). Other helpers (a test run's,
 * a real run's) are never touched.
 */
export async function benchHelperIds() {
  const rows = lines(
    await docker(
      'ps',
      '-a',
      '--filter',
      `label=${HELPER_LABEL}`,
      '--format',
      `{{.ID}} {{.Label "${RUN_ID_LABEL}"}} {{.Label "${TARGET_ID_LABEL}"}}`,
    ),
  );
  if (rows.length === 0) return [];
  const bench = new Set(lines(await docker('ps', '-a', '--no-trunc', '-q', '--filter', `label=${LABEL}`)));
  return rows
    .map((row) => row.split(' '))
    .filter(([, runId, targetId]) => benchRunIds.has(runId) || (targetId && bench.has(targetId)))
    .map(([id]) => id);
}

/** Removes every bench container (helpers first), whatever state it is in. Returns how many. */
export async function removeBenchContainers() {
  const helpers = await benchHelperIds();
  if (helpers.length > 0) await docker('rm', '-f', '-v', ...helpers);
  const ids = await benchContainerIds();
  if (ids.length === 0) return helpers.length;
  // A paused container is unpaused first, so that nothing is ever left frozen even if rm fails.
  const paused = lines(await docker('ps', '-q', '--filter', `label=${LABEL}`, '--filter', 'status=paused'));
  if (paused.length > 0) await docker('unpause', ...paused).catch(() => undefined);
  await docker('rm', '-f', '-v', ...ids);
  return ids.length + helpers.length;
}

/**
 * Removes the bench's networks (their containers must be gone). The Engine may still be releasing the
 * endpoints of containers just removed (100 of them take a while), so it is asked again for up to
 * `waitMs`. A network it still says has active endpoints while no container is attached (a stale
 * endpoint in the Engine) is returned in `stuck` rather than failing. Resolves with how many went.
 */
export async function removeBenchNetworks({ waitMs = 30_000 } = {}) {
  const ids = await benchNetworkIds();
  let removed = 0;
  const stuck = [];
  for (const id of ids) {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await docker('network', 'rm', id);
        removed++;
        break;
      } catch (error) {
        if (!/active endpoints/.test(error.message)) throw error;
        if (Date.now() > deadline) {
          const attached = await docker('network', 'inspect', '-f', '{{len .Containers}}', id);
          if (attached !== '0') throw error;
          stuck.push(id);
          break;
        }
        await sleep(500);
      }
    }
  }
  return { removed, stuck };
}

/** What to tell about networks the Engine will not remove although nothing is attached to them. */
export function stuckNetworkText(stuck) {
  return `network(s) ${stuck.join(', ')}: the Engine says they have active endpoints though no container is attached (stale endpoints, a known Engine fault); \`docker network rm\` them later (restarting dockerd clears it)`;
}

// ------------------------------------------------------------------------------------------ statistics

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}
export function median(values) {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
export function min(values) {
  return Math.min(...values);
}
/** Nearest-rank percentile. */
export function percentile(values, p) {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export function max(values) {
  return Math.max(...values);
}
export function summarize(values) {
  return {
    median: round(median(values)),
    min: round(min(values)),
    max: round(max(values)),
    samples: values.map((value) => round(value)),
  };
}
export function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
export function ms(value) {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1);
}
/** "median / min" of a summary. */
export function both(summary) {
  return `${ms(summary.median)} / ${ms(summary.min)}`;
}
/** "median (min-max)" of a summary. */
export function spread(summary, digits = 1) {
  const f = (value) => (value === undefined ? '-' : value.toFixed(digits));
  return `${f(summary.median)} (${f(summary.min)}-${f(summary.max)})`;
}

/** Calls fn for every item, at most `limit` at a time; resolves with the results in order. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------- tables

export function table(headers, rows, align) {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, col) => Math.max(...cells.map((row) => row[col].length)));
  const pad = (text, col) =>
    (align?.[col] ?? 'right') === 'left' ? text.padEnd(widths[col]) : text.padStart(widths[col]);
  const render = (row) => `  ${row.map(pad).join('  ')}`.trimEnd();
  return [
    render(cells[0]),
    `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`,
    ...cells.slice(1).map(render),
  ].join('\n');
}

export function heading(text) {
  console.log(`\n${text}\n${'='.repeat(text.length)}`);
}
