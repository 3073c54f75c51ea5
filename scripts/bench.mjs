#!/usr/bin/env node
// Benchmarks faultline's overhead on this machine, all in one run:
//
//   startup    `faultline validate FILE`, `--version` and `--help`, each against `node -e 0`, in turn;
//   run        `faultline run` of one http probe (a local server the bench starts on 127.0.0.1) and a
//              1s pause of one bench container: wall minus the second held, against a recorded
//              reference figure for Chaos Toolkit (scripts/bench/runs.mjs);
//   folder     the same experiment as 1, 5 and 10 copies in a folder: the fixed cost of each extra one;
//   pause      `pause` into 1, 10, 30 and 100 containers through the engine (scripts/bench/growth.mjs);
//   partition  [first half] | [second half] across the same sizes through the engine the nsenter way
//              and the helper way (up to --helper-max), and the floor: the same rules by one
//              iptables-restore --noflush per namespace (scripts/bench/floor.mjs).
// It ends with a summary of every figure (min, median, max), its ratio and, where set, its target.
//
// Usage: npm run bench [-- --sections LIST] [--json PATH] [--sizes 1,10,30,100] [--reps N] ...
//        (node scripts/bench.mjs expects dist/ to be built; `npm run bench` builds it first)
//
// Everything the bench creates (containers, their network, the engine's helpers under its run ids) is
// labelled org.faultline.bench=1 or named after it, and removed at the end, on error and on Ctrl-C; what
// an earlier, killed bench run left is removed at the start. With --json, a bench that stops half-way
// still writes what it measured, marked "complete": false. Run it on a quiet host: a `faultline recover`
// running meanwhile takes the engine's chains and helpers for leftovers (they have no run ledger).

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cleanup, onSignals, removeEverything, scratch } from './bench/cleanup.mjs';
import {
  docker,
  heading,
  IMAGE,
  Interrupted,
  isInterrupted,
  ROOT,
  stuckNetworkText,
  table,
} from './bench/common.mjs';
import { loadDist } from './bench/engine.mjs';
import { measureGrowth } from './bench/growth.mjs';
import {
  printFolderRuns,
  printGrowth,
  printMinimalRun,
  printStartup,
  printSummary,
} from './bench/report.mjs';
import {
  createRunContainer,
  measureFolderRuns,
  measureMinimalRun,
  startServer,
  writeExperiments,
} from './bench/runs.mjs';
import { measureStartup } from './bench/startup.mjs';

const CLI = path.join(ROOT, 'bin', 'faultline.js');
const SECTIONS = ['startup', 'run', 'folder', 'pause', 'partition'];
const WAYS = ['engine-nsenter', 'engine-helper', 'floor-nsenter'];

const USAGE = `usage: node scripts/bench.mjs [--sections LIST] [--json PATH] [--startup-runs N] [--run-runs N]
                               [--folder-runs N] [--sizes LIST] [--reps N] [--warmups N] [--helper-max N]
                               [--ways LIST]

  --sections LIST    which parts to run, some of ${SECTIONS.join(',')} (default: all)
  --json PATH        also write every number (and the raw samples) to PATH as JSON
  --startup-runs N   pairs (command, node -e 0) timed per start-up command (default 20, after 3 warm-ups)
  --run-runs N       timed \`faultline run\`s of the minimal experiment (default 5, after 1 warm-up)
  --folder-runs N    timed \`faultline run FOLDER\`s per folder of 1, 5 and 10 copies (default 3, after 1)
  --sizes LIST       container counts of pause and partition (default 1,10,30,100; a partition's 1 is 2)
  --reps N           timed repetitions of each inject/revert way (default 5)
  --warmups N        untimed repetitions before them (default 1; 0 to save time at 100 containers)
  --helper-max N     largest count measured the helper way (default 30)
  --ways LIST        the partition's ways, some of ${WAYS.join(',')} (default: all)`;

function readArgs() {
  let values;
  try {
    values = parseArgs({
      options: {
        sections: { type: 'string', default: SECTIONS.join(',') },
        json: { type: 'string' },
        'startup-runs': { type: 'string', default: '20' },
        'run-runs': { type: 'string', default: '5' },
        'folder-runs': { type: 'string', default: '3' },
        sizes: { type: 'string', default: '1,10,30,100' },
        reps: { type: 'string', default: '5' },
        warmups: { type: 'string', default: '1' },
        'helper-max': { type: 'string', default: '30' },
        ways: { type: 'string', default: WAYS.join(',') },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    usageError(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sections = new Set(values.sections.split(',').map((text) => text.trim()));
  for (const section of sections) {
    if (!SECTIONS.includes(section))
      usageError(`unknown section ${section}; expected some of ${SECTIONS.join(',')}`);
  }
  const ways = values.ways.split(',').map((text) => text.trim());
  for (const way of ways) {
    if (!WAYS.includes(way)) usageError(`unknown way ${way}; expected some of ${WAYS.join(',')}`);
  }
  return {
    sections,
    ways,
    json: values.json,
    startupRuns: positiveInt(values['startup-runs'], '--startup-runs'),
    runRuns: positiveInt(values['run-runs'], '--run-runs'),
    folderRuns: positiveInt(values['folder-runs'], '--folder-runs'),
    sizes: values.sizes.split(',').map((text) => positiveInt(text.trim(), '--sizes')),
    reps: positiveInt(values.reps, '--reps'),
    warmups: nonNegativeInt(values.warmups, '--warmups'),
    helperMax: positiveInt(values['helper-max'], '--helper-max'),
  };
}

function usageError(message) {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usageError(`${flag} expects a positive integer, got ${text}`);
  return value;
}

function nonNegativeInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    usageError(`${flag} expects 0 or a positive integer, got ${text}`);
  return value;
}

const args = readArgs();

/** Everything measured so far; written to --json at the end, also when the run fails half-way. */
const results = { startedAt: new Date().toISOString(), sections: [...args.sections] };

async function writeResults(failure) {
  if (!args.json) return;
  const target = path.resolve(args.json);
  const body = failure ? { ...results, complete: false, failure } : { ...results, complete: true };
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(body, null, 2)}\n`, 'utf8');
  console.log(`\nwrote ${target}${failure ? ' (what was measured before the bench stopped)' : ''}`);
}

onSignals(writeResults);

async function machineFacts(client) {
  const server = await client.ping();
  const cpus = os.cpus();
  results.machine = {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    dockerServer: server.version,
  };
  const m = results.machine;
  heading('faultline overhead benchmark');
  console.log(
    table(
      ['fact', 'value'],
      [
        ['CPUs', `${m.cpuCount} x ${m.cpuModel}`],
        ['memory', `${m.memoryGiB} GiB`],
        ['platform', `${m.platform}, node ${m.node}, docker ${m.dockerServer}`],
        ['fixture image', IMAGE],
      ],
      ['left', 'left'],
    ),
  );
}

/** The run and folder sections: a local server, one bench container, the experiments in a temp dir. */
async function runSections(dir) {
  const port = await startServer();
  await createRunContainer();
  const stateDir = path.join(dir, 'state');
  const { file, folders } = await writeExperiments(dir, port, [1, 5, 10]);
  if (args.sections.has('run')) {
    results.minimalRun = await measureMinimalRun({ cli: CLI, file, port, runs: args.runRuns, stateDir });
    printMinimalRun(results.minimalRun);
  }
  if (args.sections.has('folder')) {
    results.folderRuns = await measureFolderRuns({ cli: CLI, folders, runs: args.folderRuns, stateDir });
    printFolderRuns(results.folderRuns);
  }
}

async function growthSections(dist, client) {
  const helperImage = (await client.imageExists(dist.DEFAULT_HELPER_IMAGE))
    ? dist.DEFAULT_HELPER_IMAGE
    : undefined;
  if (!helperImage) {
    console.log(
      `\n  helper image ${dist.DEFAULT_HELPER_IMAGE} is missing: no helper rows (\`node bin/faultline.js helper-image\` builds it)`,
    );
  }
  const faults = ['pause', 'partition'].filter((fault) => args.sections.has(fault));
  results.growth = await measureGrowth({
    dist,
    client,
    sizes: args.sizes,
    faults,
    reps: args.reps,
    warmups: args.warmups,
    helperImage,
    helperMax: args.helperMax,
    ways: args.ways,
    onRow: (row) =>
      console.log(`  measured ${row.fault} N=${row.n} ${row.way}: total ${row.total.median} ms`),
  });
  printGrowth(results.growth);
}

async function main() {
  const dist = await loadDist();
  const client = dist.createDockerClient();
  await machineFacts(client);
  try {
    await docker('image', 'inspect', '--format', '{{.Id}}', IMAGE);
  } catch {
    throw new Error(`the fixture image ${IMAGE} is missing: run \`bash fixtures/images/build.sh\``);
  }
  const leftover = await removeEverything(0);
  if (leftover.removed) console.log(`\nremoved ${leftover.removed} left by an earlier bench run`);
  scratch.stuckBefore = leftover.stuck;
  if (leftover.stuck.length > 0) console.log(`\nleft as it is: ${stuckNetworkText(leftover.stuck)}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faultline-bench-'));
  scratch.dirs.add(dir);
  const { file } = await writeExperiments(dir, 1, []);
  if (args.sections.has('startup')) {
    results.startup = measureStartup({ cli: CLI, experiment: file, runs: args.startupRuns, warmups: 3 });
    printStartup(results.startup);
  }
  if (args.sections.has('run') || args.sections.has('folder')) await runSections(dir);
  if (args.sections.has('pause') || args.sections.has('partition')) await growthSections(dist, client);
  printSummary(results);
  const bad = (results.growth?.rows ?? []).filter((row) => !row.ok);
  if (bad.length > 0) {
    throw new Error(
      `a fault did not hold or was not cleanly reverted: ${bad.map((r) => `${r.fault} N=${r.n} ${r.way}`).join(', ')}`,
    );
  }
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
