#!/usr/bin/env node
// Benchmarks faultline on this machine:
//
//   1. start-up time of `faultline --version`, against `node -e ''` as the floor;
//   2. injecting and reverting `pause` and `kill` into 1 and 10 containers at once, the way the engine
//      does it (Promise.all over injectContainerFault, then over revert()), against a plain loop of
//      docker CLI calls;
//   3. a full `faultline run` of a small experiment that pauses the bench containers for 1s;
//   4. injecting and reverting a network partition ([first half] | [second half]) across 2, 10 and 30
//      containers on one user-defined network, the way the engine does it (buildPlan, then
//      injectNetworkFault for every injection at once, then revert()), through nsenter and through
//      helper containers, against a loop of docker CLI / nsenter calls (scripts/bench/partition.mjs).
//
// Usage: npm run bench [-- --json PATH] [--startup-runs N] [--reps N] [--e2e-runs N]
//                      [--net-sizes 2,10,30] [--helper-cli-max-runs N] [--sections LIST]
//        (node scripts/bench.mjs expects dist/ to be built; `npm run bench` builds it first)
//
// Everything the bench creates (containers, their network, the containers of the helper loop) carries
// the label org.faultline.bench=1; containers are named faultline-bench-*, faultline's own helper
// containers are the ones made under the bench's run ids. All of it is removed at the end, on error and
// on Ctrl-C; what an earlier, killed bench run left is removed at the start. With --json, a bench that
// stops half-way still writes what it measured, marked "complete": false.
//
// Run it on a quiet host. Section 4 uses faultline's engine without a run ledger, so a `faultline
// recover` running meanwhile (the safety tests run it) takes its chains and helpers for leftovers and
// removes them; and while its helpers exist, the test suite's teardown, which fails on any container
// labelled org.faultline.helper, would fail.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  benchContainerIds,
  benchHelperIds,
  benchNetworkIds,
  both,
  checkInterrupted,
  children,
  docker,
  heading,
  IMAGE,
  Interrupted,
  isInterrupted,
  LABEL,
  LABEL_KEY,
  LABEL_VALUE,
  markInterrupted,
  median,
  min,
  ms,
  NAME_PREFIX,
  percentile,
  ROOT,
  removeBenchContainers,
  removeBenchNetworks,
  round,
  run,
  sleep,
  summarize,
  table,
  waitForChildren,
} from './bench/common.mjs';
import { engineRow, liveContexts, measurePartition } from './bench/partition.mjs';

const CLI = path.join(ROOT, 'bin', 'faultline.js');
const SIZES = [1, 10];
const FAULTS = ['pause', 'kill'];
const E2E_PAUSE = '1s';
const E2E_PAUSE_MS = 1000;
const SECTIONS = ['startup', 'faults', 'e2e', 'network'];

// ------------------------------------------------------------------------------------------ arguments

const USAGE = `usage: node scripts/bench.mjs [--json PATH] [--startup-runs N] [--reps N] [--e2e-runs N]
                               [--net-sizes LIST] [--helper-cli-max-runs N] [--sections LIST]

  --json PATH               also write every number (and the raw samples) to PATH as JSON
  --startup-runs N          timed runs of \`faultline --version\` and \`node -e ''\` (default 20, after 3 warm-ups)
  --reps N                  timed repetitions of each inject/revert measurement (default 5, after 1 warm-up)
  --e2e-runs N              \`faultline run\` executions per container count (default 3)
  --net-sizes LIST          container counts of the partition section, even (default 2,10,30)
  --helper-cli-max-runs N   skip the helper-container CLI loop for sizes that would take more than N
                            \`docker run\`s a phase (N*N; default 200, so 30 containers are skipped)
  --sections LIST           which sections to run (default ${SECTIONS.join(',')})`;

let args;
try {
  args = parseArgs({
    options: {
      json: { type: 'string' },
      'startup-runs': { type: 'string', default: '20' },
      reps: { type: 'string', default: '5' },
      'e2e-runs': { type: 'string', default: '3' },
      'net-sizes': { type: 'string', default: '2,10,30' },
      'helper-cli-max-runs': { type: 'string', default: '200' },
      sections: { type: 'string', default: SECTIONS.join(',') },
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
const NET_SIZES = args['net-sizes'].split(',').map((text) => positiveInt(text.trim(), '--net-sizes'));
if (NET_SIZES.some((n) => n % 2 !== 0)) {
  console.error(`bench: --net-sizes expects even counts (two equal groups), got ${args['net-sizes']}`);
  process.exit(2);
}
const HELPER_CLI_MAX_RUNS = positiveInt(args['helper-cli-max-runs'], '--helper-cli-max-runs');
const RUN_SECTIONS = new Set(args.sections.split(',').map((text) => text.trim()));
for (const section of RUN_SECTIONS) {
  if (!SECTIONS.includes(section)) {
    console.error(`bench: unknown section ${section}; expected some of ${SECTIONS.join(',')}`);
    process.exit(2);
  }
}

function positiveInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench: ${flag} expects a positive integer, got ${text}`);
    process.exit(2);
  }
  return value;
}

// -------------------------------------------------------------------------------------------- cleanup

let tempDir;
let cleanupPromise;

/** Removes the bench's helpers, containers and networks. Returns what it removed, as text. */
async function removeEverything() {
  // Helpers of a partition in flight: their runner knows them; a timeout keeps Ctrl-C prompt.
  await Promise.race([
    Promise.allSettled([...liveContexts].map((context) => context.dispose())),
    sleep(15_000),
  ]);
  const containers = await removeBenchContainers();
  const networks = await removeBenchNetworks();
  return [
    containers > 0 ? `${containers} container(s)` : undefined,
    networks > 0 ? `${networks} network(s)` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
}

/** Runs fn, retrying for up to 30s while the Docker daemon cannot be reached (it may be restarting). */
async function withDaemon(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (
        attempt >= 7 ||
        !/Cannot connect to the Docker daemon|Is the docker daemon running/.test(error.message)
      )
        throw error;
      console.error(`bench: the Docker daemon is not answering; clean-up retries in 5s (${attempt}/6)`);
      await sleep(5000);
    }
  }
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
      const removed = await withDaemon(removeEverything);
      const left = [
        ...(await benchContainerIds()).map((id) => `container ${id}`),
        ...(await benchHelperIds()).map((id) => `helper ${id}`),
        ...(await benchNetworkIds()).map((id) => `network ${id}`),
      ];
      if (left.length > 0) problem = `bench objects still present after clean-up: ${left.join(', ')}`;
      else if (removed) console.log(`\ncleaned up: removed ${removed} of the bench`);
    } catch (error) {
      problem = `clean-up failed: ${error.message}`;
    }
    if (tempDir) await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
    if (problem) {
      console.error(
        `bench: ${problem}\n  remove them by hand: docker rm -f $(docker ps -aq --filter label=${LABEL}); docker network rm $(docker network ls -q --filter label=${LABEL})`,
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
    if (isInterrupted()) {
      console.error(`\n${name} again: exiting now; check \`docker ps -a --filter label=${LABEL}\``);
      process.exit(SIGNAL_CODES[name]);
    }
    markInterrupted();
    console.error(`\n${name}: stopping and removing the bench containers (again to exit at once)`);
    cleanup()
      .then(() => writeResults(`interrupted by ${name}`))
      .finally(() => process.exit(SIGNAL_CODES[name]));
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
      samples: samples.map((value) => round(value)),
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
      target: { labels: { "${LABEL_KEY}": "${LABEL_VALUE}" } }
    expect: { state: running }
    when: [before, after]
method:
  - pause:
      target: { labels: { "${LABEL_KEY}": "${LABEL_VALUE}" } }
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
  const { buildPlan, allInjections } = await import(dist('engine/plan.js'));
  const { parseExperiment } = await import(dist('experiment/load.js'));
  const { NetworkContext, injectNetworkFault } = await import(dist('network/network-fault.js'));
  const { NsenterRunner, HelperRunner } = await import(dist('network/netns-runner.js'));
  const { DEFAULT_HELPER_IMAGE } = await import(dist('network/helper-image.js'));
  return {
    createDockerClient,
    injectContainerFault,
    buildPlan,
    allInjections,
    parseExperiment,
    NetworkContext,
    injectNetworkFault,
    NsenterRunner,
    HelperRunner,
    DEFAULT_HELPER_IMAGE,
  };
}

function sectionStartup(results) {
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
}

async function sectionFaults(results, client, injectContainerFault) {
  // 2. Inject / revert
  heading(`2. inject + revert, all containers at once (median / min of ${REPS} reps after 1 warm-up, ms)`);
  results.faults = [];
  for (const n of SIZES) {
    checkInterrupted();
    const targets = await createContainers(client, n);
    results.faults.push(...(await measureFaults(client, injectContainerFault, targets)));
  }
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
}

async function sectionEndToEnd(results, client) {
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
}

async function sectionNetwork(results, client, dist) {
  const helperImage = (await client.imageExists(dist.DEFAULT_HELPER_IMAGE))
    ? dist.DEFAULT_HELPER_IMAGE
    : undefined;
  heading(
    `4. partition [g1] | [g2] on one network, inject + revert (median / min of ${REPS} reps after 1 warm-up, ms)`,
  );
  results.network = { rows: [] };
  const measured = results.network.rows;
  results.network = await measurePartition({
    dist,
    client,
    sizes: NET_SIZES,
    reps: REPS,
    helperImage,
    helperCliMaxRuns: HELPER_CLI_MAX_RUNS,
    onRow: (row) => {
      measured.push(row);
      console.log(
        `  measured N=${row.n} ${row.method} via ${row.via}: total ${both(row.total)} ms (${row.reps} reps)`,
      );
    },
  });
  console.log('');
  const rows = results.network.rows;
  const outcomes = (row) =>
    Object.entries(row.revertOutcomes)
      .map(([status, count]) => `${status} ${count}`)
      .join(', ') || '-';
  console.log(
    table(
      [
        'N',
        'way',
        'via',
        'reps',
        'inject',
        'revert',
        'dispose',
        'total',
        'total / engine',
        'cmds',
        'revert outcomes',
      ],
      rows.map((row) => {
        const engine = engineRow(rows, row);
        return [
          row.n,
          row.method,
          row.via,
          row.reps,
          both(row.inject),
          both(row.revert),
          row.via === 'helper' && row.method === 'engine' ? both(row.dispose) : '-',
          both(row.total),
          row.method === 'engine' || !engine
            ? '-'
            : `${(row.total.median / engine.total.median).toFixed(2)}x`,
          `${row.commands.inject}+${row.commands.revert}`,
          outcomes(row),
        ];
      }),
      ['right', 'left', 'left'],
    ),
  );
  console.log(
    '  engine: buildPlan (not timed), then injectNetworkFault for every injection at once over one NetworkContext,',
  );
  console.log(
    '    then revert() for all at once; total = inject + revert + dispose (the helper runner removes its helpers)',
  );
  console.log(
    '  docker CLI loop: docker inspect each container for its address, then per container (its pid from docker inspect',
  );
  console.log(
    '    for nsenter) one `iptables -A OUTPUT -d IP -j DROP` and one `-A INPUT -s IP` per address of the other group,',
  );
  console.log(
    '    each through `nsenter -t PID -n` or its own `docker run --rm --net container:C --cap-add NET_ADMIN`; revert: -D',
  );
  console.log(
    "  cmds: inject+revert commands a repetition runs: the engine's in namespaces (each after a docker inspect),",
  );
  console.log("    the loop's processes (docker inspect, nsenter, docker run)");
  const engineSizes = rows.filter((row) => row.method === 'engine');
  console.log(
    `  buildPlan (median, not in total): ${engineSizes.map((row) => `N=${row.n} ${row.via} ${ms(row.plan.median)}`).join(', ')}`,
  );
  const costs = results.network.commandCosts;
  if (costs) {
    console.log(
      `  one command alone (median ms): docker inspect ${ms(costs.dockerInspectApi.median)} via the API, ${ms(costs.dockerInspectCli.median)} via the CLI;`,
    );
    console.log(
      `    nsenter + iptables ${ms(costs.nsenterProcess.median)}; NsenterRunner.run ${ms(costs.nsenterRunner.median)}${costs.helperRunner ? `; HelperRunner.run ${ms(costs.helperRunner.median)} (helper already up)` : ''}`,
    );
  }
  if (!helperImage) {
    console.log(
      `  helper image ${dist.DEFAULT_HELPER_IMAGE} is missing: no helper rows (\`node bin/faultline.js helper-image\` builds it offline)`,
    );
  }
  for (const line of results.network.skipped) console.log(`  skipped: ${line}`);
  for (const row of rows.filter((r) => r.warmups === 0)) {
    console.log(
      `  N=${row.n} ${row.method} via ${row.via}: ${row.reps} timed repetition, no warm-up (${row.commands.inject} docker commands to inject alone)`,
    );
  }

  console.log(
    `\n  checks, on the first repetition of each way: TCP connects to port 8080, ${results.network.cutTimeoutMs} ms timeout`,
  );
  console.log(
    table(
      ['N', 'way', 'via', 'from g1[0]: g2[0]', 'g1 peer', 'g2[-1] -> g1[0]', 'after revert', 'left', 'ok'],
      rows.map((row) => {
        const { injected, reverted } = row.verification;
        const result = (text) => text.split(': ').at(-1);
        return [
          row.n,
          row.method,
          row.via,
          result(injected.across),
          `${result(injected.sameGroup)}${injected.sameGroup.includes('itself') ? ' (self)' : ''}`,
          result(injected.reverse),
          `${reverted.across}, ${reverted.reverse}`,
          reverted.leftovers.length + row.leftoversAfterAllReps.length,
          injected.ok && reverted.ok && row.leftoversAfterAllReps.length === 0 ? 'yes' : 'NO',
        ];
      }),
      ['right', 'left', 'left'],
    ),
  );
  console.log(
    '  expected while injected: timeout across, connected within g1; after revert: connected both ways, and no',
  );
  console.log(
    '    namespace holding a FL- chain or a DROP rule (iptables-nft-save and iptables-legacy-save) after any repetition',
  );
  for (const row of rows) {
    const left = [...row.verification.reverted.leftovers, ...row.leftoversAfterAllReps];
    for (const line of left.slice(0, 5)) console.log(`  ! N=${row.n} ${row.method} via ${row.via}: ${line}`);
    for (const failure of row.revertFailures.slice(0, 5)) {
      console.log(`  ! N=${row.n} ${row.method} via ${row.via}: revert failed: ${failure}`);
    }
  }
  const bad = rows.filter(
    (row) =>
      !row.verification.injected.ok || !row.verification.reverted.ok || row.leftoversAfterAllReps.length > 0,
  );
  if (bad.length > 0) {
    throw new Error(
      `the partition did not behave on ${bad.map((row) => `N=${row.n} ${row.method} via ${row.via}`).join(', ')}`,
    );
  }
}

/** Everything measured so far; written to --json at the end, also when the run fails half-way. */
const results = { startedAt: new Date().toISOString(), sections: [...RUN_SECTIONS] };

async function writeResults(failure) {
  if (!args.json) return;
  const target = path.resolve(args.json);
  const body = failure ? { ...results, complete: false, failure } : { ...results, complete: true };
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(body, null, 2)}\n`, 'utf8');
  console.log(`\nwrote ${target}${failure ? ' (what was measured before the bench stopped)' : ''}`);
}

async function main() {
  const dist = await loadDist();
  const client = dist.createDockerClient();

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
  const leftover = await removeEverything();
  if (leftover) console.log(`\nremoved ${leftover} left by an earlier bench run`);
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'faultline-bench-'));

  if (RUN_SECTIONS.has('startup')) sectionStartup(results);
  if (RUN_SECTIONS.has('faults')) await sectionFaults(results, client, dist.injectContainerFault);
  if (RUN_SECTIONS.has('e2e')) await sectionEndToEnd(results, client);
  if (RUN_SECTIONS.has('network')) await sectionNetwork(results, client, dist);

  results.finishedAt = new Date().toISOString();
}

let exitCode = 0;
let failure;
try {
  await main();
} catch (error) {
  exitCode = error instanceof Interrupted ? 130 : 1;
  failure = error.message;
  if (!(error instanceof Interrupted) && !isInterrupted())
    console.error(`\nbench: ${error.stack ?? error.message}`);
} finally {
  if (!(await cleanup())) exitCode ||= 1;
}
if (isInterrupted()) {
  // The signal handler writes what there is and exits once clean-up is done.
  await new Promise(() => undefined);
}
await writeResults(failure);
process.exit(exitCode);
