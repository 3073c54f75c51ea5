#!/usr/bin/env node
// Benchmarks faultline on this machine:
//
//   1. start-up time of `faultline --version`, against `node -e ''` as the floor;
//   2. injecting and reverting `pause` and `kill` into 1 and 10 containers at once, the way the engine
//      does it (Promise.all over injectContainerFault, then over revert()), against a plain loop of
//      docker CLI calls;
//   3. a full `faultline run` of a small experiment that pauses the bench containers for 1s.
//
// Usage: npm run bench [-- --json PATH] [--startup-runs N] [--reps N] [--e2e-runs N]
//        (node scripts/bench.mjs expects dist/ to be built; `npm run bench` builds it first)
//
// The bench containers are created from the fixture image (bash fixtures/images/build.sh), carry the
// label org.faultline.test=bench and are named faultline-bench-<i>. They are removed at the end, on
// error and on Ctrl-C; containers left by an earlier, killed bench run are removed at the start.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'faultline.js');
const IMAGE = process.env.FAULTLINE_FIXTURE_IMAGE ?? 'faultline-fixture-node:latest';
const LABEL_KEY = 'org.faultline.test';
const LABEL_VALUE = 'bench';
const LABEL = `${LABEL_KEY}=${LABEL_VALUE}`;
const NAME_PREFIX = 'faultline-bench-';
const SIZES = [1, 10];
const FAULTS = ['pause', 'kill'];
const E2E_PAUSE = '1s';
const E2E_PAUSE_MS = 1000;

// ------------------------------------------------------------------------------------------ arguments

const USAGE = `usage: node scripts/bench.mjs [--json PATH] [--startup-runs N] [--reps N] [--e2e-runs N]

  --json PATH         also write every number (and the raw samples) to PATH as JSON
  --startup-runs N    timed runs of \`faultline --version\` and \`node -e ''\` (default 20, after 3 warm-ups)
  --reps N            timed repetitions of each inject/revert measurement (default 5, after 1 warm-up)
  --e2e-runs N        \`faultline run\` executions per container count (default 3)`;

let args;
try {
  args = parseArgs({
    options: {
      json: { type: 'string' },
      'startup-runs': { type: 'string', default: '20' },
      reps: { type: 'string', default: '5' },
      'e2e-runs': { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  console.error(`bench: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const STARTUP_WARMUPS = 3;
const STARTUP_RUNS = positiveInt(args['startup-runs'], '--startup-runs');
const REPS = positiveInt(args.reps, '--reps');
const E2E_RUNS = positiveInt(args['e2e-runs'], '--e2e-runs');

function positiveInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench: ${flag} expects a positive integer, got ${text}`);
    process.exit(2);
  }
  return value;
}

// ------------------------------------------------------------------------------------ child processes

/** Children in flight, so that an interrupt can stop them before the containers are removed. */
const children = new Set();
let interrupted = false;

class Interrupted extends Error {}

function checkInterrupted() {
  if (interrupted) throw new Interrupted('interrupted');
}

/**
 * Runs a program with an argument list (never through a shell) and resolves with its exit status,
 * output and wall time. `faultline run` children get their own process group so that Ctrl-C reaches
 * them once, from here, and they revert in an orderly way.
 */
function run(command, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.ownGroup ?? false,
    });
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

/** `docker ARGS...`; resolves with trimmed stdout, throws with stderr when it fails. */
async function docker(...argv) {
  const result = await run('docker', argv);
  if (result.code !== 0) {
    throw new Error(
      `docker ${argv.join(' ')} failed (exit ${result.code ?? result.signal}): ${(result.stderr || result.stdout).trim()}`,
    );
  }
  return result.stdout.trim();
}

function lines(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

// ------------------------------------------------------------------------------------------ statistics

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}
function median(values) {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
function min(values) {
  return Math.min(...values);
}
/** Nearest-rank percentile. */
function percentile(values, p) {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
function summarize(values) {
  return { median: round(median(values)), min: round(min(values)), samples: values.map(round) };
}
function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
function ms(value) {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1);
}

// ---------------------------------------------------------------------------------------------- tables

function table(headers, rows, align) {
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

function heading(text) {
  console.log(`\n${text}\n${'='.repeat(text.length)}`);
}

// -------------------------------------------------------------------------------------------- cleanup

let tempDir;
let cleanupPromise;

async function benchContainerIds() {
  return lines(await docker('ps', '-aq', '--filter', `label=${LABEL}`));
}

/** Removes every bench container, whatever state it is in. */
async function removeBenchContainers() {
  const ids = await benchContainerIds();
  if (ids.length === 0) return 0;
  // A paused container is unpaused first, so that nothing is ever left frozen even if rm fails.
  const paused = lines(await docker('ps', '-q', '--filter', `label=${LABEL}`, '--filter', 'status=paused'));
  if (paused.length > 0) await docker('unpause', ...paused).catch(() => undefined);
  await docker('rm', '-f', '-v', ...ids);
  return ids.length;
}

function waitForChildren(timeoutMs) {
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

/** Idempotent: the finally block and the signal handlers share one clean-up. */
function cleanup() {
  cleanupPromise ??= (async () => {
    // A `faultline run` in flight reverts its own faults when interrupted; give it the chance.
    for (const { child, interruptible } of children) {
      if (interruptible && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGINT');
        } catch {
          // already gone
        }
      }
    }
    await waitForChildren(20_000);
    let problem;
    try {
      const removed = await removeBenchContainers();
      const left = await benchContainerIds();
      if (left.length > 0) problem = `bench containers still present after clean-up: ${left.join(', ')}`;
      else if (removed > 0) console.log(`\ncleaned up: removed ${removed} bench container(s)`);
    } catch (error) {
      problem = `clean-up failed: ${error.message}`;
    }
    if (tempDir) await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
    if (problem) {
      console.error(
        `bench: ${problem}\n  remove them by hand: docker rm -f $(docker ps -aq --filter label=${LABEL})`,
      );
      return false;
    }
    return true;
  })();
  return cleanupPromise;
}

const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
for (const name of Object.keys(SIGNAL_CODES)) {
  process.on(name, () => {
    if (interrupted) {
      console.error(`\n${name} again: exiting now; check \`docker ps -a --filter label=${LABEL}\``);
      process.exit(SIGNAL_CODES[name]);
    }
    interrupted = true;
    console.error(`\n${name}: stopping and removing the bench containers (again to exit at once)`);
    cleanup().finally(() => process.exit(SIGNAL_CODES[name]));
  });
}

// ------------------------------------------------------------------------------------------ containers

function benchNames(n) {
  return Array.from({ length: n }, (_, i) => `${NAME_PREFIX}${i + 1}`);
}

/** Creates N running bench containers and returns them as engine targets ({ id, name }). */
async function createContainers(client, n) {
  await removeBenchContainers();
  const names = benchNames(n);
  const ids = await Promise.all(
    names.map((name) => docker('run', '-d', '--name', name, '--label', LABEL, IMAGE, '/app/backend.mjs')),
  );
  checkInterrupted();
  const targets = names.map((name, i) => ({ id: ids[i], name }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(targets.map((target) => client.inspect(target.id)));
    if (states.every((state) => state.running && !state.paused)) break;
    const bad = states.filter((state) => !state.running && !state.restarting);
    if (bad.length > 0 || Date.now() > deadline) {
      throw new Error(
        `bench containers did not start: ${states.map((s) => `${s.name} ${s.state}`).join(', ')}`,
      );
    }
    await sleep(100);
  }
  return targets;
}

/**
 * Makes sure every container is running and not paused before a repetition. Returns how many needed
 * fixing: anything above zero means a revert did not leave the container as it found it.
 */
async function ensureReady(client, targets) {
  let fixed = 0;
  for (const target of targets) {
    let state = await client.inspect(target.id);
    if (state.paused) {
      await client.unpause(target.id);
      fixed++;
      state = await client.inspect(target.id);
    }
    if (!state.running) {
      await client.start(target.id);
      fixed++;
      state = await client.inspect(target.id);
    }
    if (!state.running || state.paused)
      throw new Error(`${target.name} is ${state.state} and could not be brought back`);
  }
  return fixed;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --------------------------------------------------------------------------------------- measurements

function measureStartup() {
  const cases = [
    { label: "node -e ''", argv: ['-e', ''] },
    { label: 'faultline --version', argv: [CLI, '--version'] },
  ];
  const results = [];
  for (const item of cases) {
    const samples = [];
    for (let i = 0; i < STARTUP_WARMUPS + STARTUP_RUNS; i++) {
      checkInterrupted();
      const started = performance.now();
      const result = spawnSync(process.execPath, item.argv, { cwd: ROOT, encoding: 'utf8' });
      const elapsed = performance.now() - started;
      if (result.status !== 0) {
        throw new Error(
          `${item.label} failed (exit ${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
        );
      }
      if (i >= STARTUP_WARMUPS) samples.push(elapsed);
    }
    results.push({
      command: item.label,
      runs: samples.length,
      min: round(min(samples)),
      median: round(median(samples)),
      p95: round(percentile(samples, 95)),
      samples: samples.map(round),
    });
  }
  const version = spawnSync(process.execPath, [CLI, '--version'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).stdout.trim();
  return { warmups: STARTUP_WARMUPS, version, results };
}

/** One repetition through the library: Promise.all over injectContainerFault, then over revert(). */
async function libraryOnce(client, injectContainerFault, kind, targets) {
  const t0 = performance.now();
  const settled = await Promise.allSettled(
    targets.map((target, i) => injectContainerFault(client, { kind }, target, `${kind}-${i + 1}`)),
  );
  const t1 = performance.now();
  const faults = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const outcomes = await Promise.all(faults.map((fault) => fault.revert()));
  const t2 = performance.now();
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw new Error(`injecting ${kind} failed: ${failed.reason?.message ?? failed.reason}`);
  return {
    inject: t1 - t0,
    revert: t2 - t1,
    total: t2 - t0,
    outcomes: outcomes.map((outcome) => outcome.status),
  };
}

/** One repetition through the docker CLI, one container after another. */
async function cliOnce(kind, targets) {
  const [inject, revert] = kind === 'pause' ? ['pause', 'unpause'] : ['kill', 'start'];
  const t0 = performance.now();
  for (const target of targets) await docker(inject, target.name);
  const t1 = performance.now();
  for (const target of targets) await docker(revert, target.name);
  const t2 = performance.now();
  return { inject: t1 - t0, revert: t2 - t1, total: t2 - t0, outcomes: targets.map(() => 'reverted') };
}

async function measureFaults(client, injectContainerFault, targets) {
  const rows = [];
  for (const kind of FAULTS) {
    for (const method of ['library', 'docker CLI']) {
      const once = () =>
        method === 'library'
          ? libraryOnce(client, injectContainerFault, kind, targets)
          : cliOnce(kind, targets);
      const reps = [];
      const outcomeCounts = {};
      let fixups = 0;
      // One untimed warm-up, then REPS timed repetitions.
      for (let rep = 0; rep <= REPS; rep++) {
        checkInterrupted();
        fixups += await ensureReady(client, targets);
        await sleep(200); // let a restarted container's process settle before timing the next round
        const result = await once();
        if (rep === 0) continue;
        reps.push(result);
        for (const status of result.outcomes) outcomeCounts[status] = (outcomeCounts[status] ?? 0) + 1;
      }
      fixups += await ensureReady(client, targets);
      rows.push({
        n: targets.length,
        fault: kind,
        method,
        reps: reps.length,
        inject: summarize(reps.map((r) => r.inject)),
        revert: summarize(reps.map((r) => r.revert)),
        total: summarize(reps.map((r) => r.total)),
        revertOutcomes: outcomeCounts,
        containersFixedBetweenReps: fixups,
      });
    }
  }
  return rows;
}

function experimentYaml(n) {
  return `title: bench pause ${n} container${n === 1 ? '' : 's'} for ${E2E_PAUSE}
description: Written by scripts/bench.mjs; pauses every bench container at once and reverts.
hypothesis:
  - name: bench containers are running
    container:
      target: { labels: { ${LABEL_KEY}: ${LABEL_VALUE} } }
    expect: { state: running }
    when: [before, after]
method:
  - pause:
      target: { labels: { ${LABEL_KEY}: ${LABEL_VALUE} } }
      duration: ${E2E_PAUSE}
recovery: 10s
timeout: 2m
`;
}

/** Reads the timings of one run from its JSON report. */
function analyzeReport(report, n) {
  const runResult = report.runs?.[0];
  if (!runResult) throw new Error('the JSON report holds no run');
  const journal = runResult.journal;
  const injected = journal.filter((entry) => entry.type === 'fault-injected');
  const reverted = journal.filter((entry) => entry.type === 'fault-reverted');
  if (injected.length !== n || reverted.length !== n) {
    throw new Error(
      `expected ${n} fault-injected and fault-reverted entries, found ${injected.length} and ${reverted.length}`,
    );
  }
  const stepStart = journal.find((entry) => entry.type === 'step-start' && entry.step === 'method[0]');
  const phaseAt = (phase) => journal.find((entry) => entry.type === 'phase' && entry.phase === phase)?.t;
  const injectedAt = new Map(injected.map((entry) => [entry.faultId, entry.t]));
  const perTarget = reverted.map((entry) => entry.t - injectedAt.get(entry.faultId));
  const firstInjected = min(injected.map((entry) => entry.t));
  const lastInjected = Math.max(...injected.map((entry) => entry.t));
  const lastReverted = Math.max(...reverted.map((entry) => entry.t));
  return {
    outcome: runResult.outcome,
    durationMs: runResult.durationMs,
    // step start -> last fault-injected entry: resolving nothing, just the Docker calls
    injectMs: stepStart ? lastInjected - stepStart.t : undefined,
    // first fault-injected -> last fault-reverted: what the system under test lived through
    injectedToRevertedMs: lastReverted - firstInjected,
    // per target: its fault-injected -> its fault-reverted
    perTargetMaxMs: Math.max(...perTarget),
    // the sleep starts once every target is hit, so what is left beyond it is the revert
    revertMs: lastReverted - lastInjected - E2E_PAUSE_MS,
    heldMs: reverted.map((entry) => entry.heldMs),
    revertStatuses: reverted.map((entry) => entry.status),
    phases: {
      resolve: phaseAt('resolve'),
      before: phaseAt('before'),
      method: phaseAt('method'),
      revert: phaseAt('revert'),
      after: phaseAt('after'),
    },
  };
}

async function measureEndToEnd(n) {
  const file = path.join(tempDir, `bench-pause-${n}.yaml`);
  await writeFile(file, experimentYaml(n), 'utf8');
  const runs = [];
  for (let i = 0; i < E2E_RUNS; i++) {
    checkInterrupted();
    const reportPath = path.join(tempDir, `report-${n}-${i + 1}.json`);
    const result = await run(
      process.execPath,
      [CLI, 'run', file, '--report', `json=${reportPath}`, '--seed', '1'],
      {
        env: { ...process.env, NO_COLOR: '1', CI: '1' },
        ownGroup: true,
      },
    );
    checkInterrupted();
    if (result.code !== 0) {
      throw new Error(
        `faultline run (N=${n}) exited ${result.code ?? result.signal}, expected 0 (passed):\n${result.stdout}${result.stderr}`,
      );
    }
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    runs.push({ wallMs: round(result.ms), ...analyzeReport(report, n) });
  }
  const pick = (key) => summarize(runs.map((r) => r[key]).filter((value) => value !== undefined));
  return {
    n,
    runs: runs.length,
    wallMs: pick('wallMs'),
    durationMs: pick('durationMs'),
    injectMs: pick('injectMs'),
    injectedToRevertedMs: pick('injectedToRevertedMs'),
    revertMs: pick('revertMs'),
    perTargetMaxMs: pick('perTargetMaxMs'),
    outcomes: runs.map((r) => r.outcome),
    details: runs,
  };
}

// ------------------------------------------------------------------------------------------ machine

async function machineFacts(client) {
  const cpus = os.cpus();
  const server = await client.ping();
  let info = {};
  try {
    const raw = await docker('info', '--format', '{{json .}}');
    const parsed = JSON.parse(raw);
    info = {
      storageDriver: parsed.Driver,
      cgroupDriver: parsed.CgroupDriver,
      cgroupVersion: parsed.CgroupVersion,
      engineCpus: parsed.NCPU,
      kernel: parsed.KernelVersion,
      os: parsed.OperatingSystem,
    };
  } catch {
    // docker info is a nicety here
  }
  return {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    dockerServer: server.version,
    dockerApi: server.apiVersion,
    ...info,
  };
}

// ----------------------------------------------------------------------------------------------- main

async function loadDist() {
  const dist = (file) => new URL(`../dist/${file}`, import.meta.url);
  if (!existsSync(fileURLToPath(dist('faults/container-faults.js')))) {
    throw new Error('dist/ is missing: run `npm run build` first (or `npm run bench`, which builds)');
  }
  const { createDockerClient } = await import(dist('docker/dockerode-client.js'));
  const { injectContainerFault } = await import(dist('faults/container-faults.js'));
  return { createDockerClient, injectContainerFault };
}

async function main() {
  const { createDockerClient, injectContainerFault } = await loadDist();
  const client = createDockerClient();
  const results = { startedAt: new Date().toISOString() };

  results.machine = await machineFacts(client);
  const m = results.machine;
  heading('faultline benchmark');
  console.log(
    table(
      ['fact', 'value'],
      [
        ['CPUs', `${m.cpuCount} x ${m.cpuModel}`],
        ['memory', `${m.memoryGiB} GiB`],
        ['platform', m.platform],
        ['node', m.node],
        [
          'docker server',
          `${m.dockerServer} (API ${m.dockerApi})${m.storageDriver ? `, ${m.storageDriver}, cgroup v${m.cgroupVersion} ${m.cgroupDriver}` : ''}`,
        ],
        ['fixture image', IMAGE],
      ],
      ['left', 'left'],
    ),
  );

  try {
    await docker('image', 'inspect', '--format', '{{.Id}}', IMAGE);
  } catch {
    throw new Error(`the fixture image ${IMAGE} is missing: run \`bash fixtures/images/build.sh\``);
  }
  const leftover = await removeBenchContainers();
  if (leftover > 0) console.log(`\nremoved ${leftover} bench container(s) left by an earlier run`);
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'faultline-bench-'));

  // 1. Start-up
  heading(`1. start-up (${STARTUP_RUNS} runs after ${STARTUP_WARMUPS} warm-ups, ms)`);
  results.startup = measureStartup();
  console.log(
    table(
      ['command', 'min', 'median', 'p95'],
      results.startup.results.map((r) => [r.command, ms(r.min), ms(r.median), ms(r.p95)]),
      ['left'],
    ),
  );
  const [floor, cli] = results.startup.results;
  console.log(`  faultline adds ${ms(cli.median - floor.median)} ms (median) over a bare node start-up`);

  // 2. Inject / revert
  heading(`2. inject + revert, all containers at once (median / min of ${REPS} reps after 1 warm-up, ms)`);
  results.faults = [];
  for (const n of SIZES) {
    checkInterrupted();
    const targets = await createContainers(client, n);
    results.faults.push(...(await measureFaults(client, injectContainerFault, targets)));
  }
  const both = (s) => `${ms(s.median)} / ${ms(s.min)}`;
  console.log(
    table(
      ['N', 'fault', 'via', 'inject', 'revert', 'total', 'total vs library', 'revert outcomes'],
      results.faults.map((row) => {
        const library = results.faults.find(
          (r) => r.n === row.n && r.fault === row.fault && r.method === 'library',
        );
        return [
          row.n,
          row.fault,
          row.method,
          both(row.inject),
          both(row.revert),
          both(row.total),
          row.method === 'library' ? '-' : `${(row.total.median / library.total.median).toFixed(2)}x`,
          row.method === 'library'
            ? Object.entries(row.revertOutcomes)
                .map(([status, count]) => `${status} ${count}`)
                .join(', ')
            : '-',
        ];
      }),
      ['right', 'left', 'left'],
    ),
  );
  console.log(
    '  library: Promise.all over injectContainerFault, then Promise.all over revert() (inspect + unpause/start)',
  );
  console.log(
    '  docker CLI: `docker pause|kill NAME` one container after another, then `docker unpause|start NAME`',
  );
  const fixed = results.faults.filter((row) => row.containersFixedBetweenReps > 0);
  for (const row of fixed) {
    console.log(
      `  ! N=${row.n} ${row.fault} via ${row.method}: ${row.containersFixedBetweenReps} container(s) were not running/unpaused after a revert`,
    );
  }

  // 3. End to end
  heading(
    `3. faultline run: pause every bench container for ${E2E_PAUSE} (median / min of ${E2E_RUNS} runs, ms)`,
  );
  results.endToEnd = [];
  for (const n of SIZES) {
    checkInterrupted();
    await createContainers(client, n);
    results.endToEnd.push(await measureEndToEnd(n));
  }
  console.log(
    table(
      ['N', 'wall', 'run duration', 'inject', 'injected->reverted', 'revert (beyond 1s)', 'outcome'],
      results.endToEnd.map((row) => [
        row.n,
        both(row.wallMs),
        both(row.durationMs),
        both(row.injectMs),
        both(row.injectedToRevertedMs),
        both(row.revertMs),
        [...new Set(row.outcomes)].join(', '),
      ]),
    ),
  );
  console.log("  wall: process start to exit; run duration: the report's durationMs");
  console.log(
    '  inject: step start -> last fault-injected; injected->reverted: first fault-injected -> last fault-reverted',
  );
  console.log(
    `  revert (beyond 1s): last fault-reverted - last fault-injected - ${E2E_PAUSE_MS} ms (journal t is whole ms)`,
  );

  results.finishedAt = new Date().toISOString();
  return results;
}

let exitCode = 0;
let results;
try {
  results = await main();
} catch (error) {
  exitCode = error instanceof Interrupted ? 130 : 1;
  if (!(error instanceof Interrupted) && !interrupted)
    console.error(`\nbench: ${error.stack ?? error.message}`);
} finally {
  if (!(await cleanup())) exitCode ||= 1;
}
if (interrupted) {
  // The signal handler exits once clean-up is done.
  await new Promise(() => undefined);
}
if (results && args.json) {
  const target = path.resolve(args.json);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(results, null, 2)}\n`, 'utf8');
  console.log(`\nwrote ${target}`);
}
process.exit(exitCode);
