// `faultline run` as a user runs it, as a process: the minimal experiment (one http probe of a local
// server on 127.0.0.1 that the bench starts, and a 1s pause of one bench container), alone and as 1, 5
// and 10 copies in a folder. What a run costs beyond the second it holds the fault is its overhead.

import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratch } from './cleanup.mjs';
import { checkInterrupted, docker, IMAGE, LABEL, NAME_PREFIX, run, summarize } from './common.mjs';

export const HELD_S = 1;
/**
 * Chaos Toolkit's overhead for the same experiment, recorded on this kind of machine (median of
 * 0.21-0.28 s): a reference figure, not measured live (it cannot be installed here).
 */
export const CHAOS_TOOLKIT_REFERENCE_S = 0.245;
const CONTAINER = `${NAME_PREFIX}run`;
const [LABEL_KEY, LABEL_VALUE] = LABEL.split('=');

/** A local HTTP server answering 200 to everything; closed at clean-up. */
export async function startServer() {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok\n');
  });
  scratch.servers.add(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

export function minimalExperiment(port, title = 'bench minimal run') {
  return `title: ${title}
description: Written by scripts/bench.mjs; one http probe of a local server, a 1s pause of one container.
hypothesis:
  - name: the local server answers
    http: { url: "http://127.0.0.1:${port}/" }
    expect: { status: 200 }
method:
  - pause:
      target: { name: ${CONTAINER} }
      duration: ${HELD_S}s
safety:
  max-targets: 1
  require-label: { "${LABEL_KEY}": "${LABEL_VALUE}" }
`;
}

/** The one container the runs pause. */
export async function createRunContainer() {
  await docker('rm', '-f', CONTAINER).catch(() => undefined);
  await docker('run', '-d', '--name', CONTAINER, '--label', LABEL, IMAGE, '/app/backend.mjs');
}

/** Writes the minimal experiment, and folders of 1, 5 and 10 copies of it; returns their paths. */
export async function writeExperiments(dir, port, copies) {
  const file = path.join(dir, 'minimal.yaml');
  await writeFile(file, minimalExperiment(port), 'utf8');
  const folders = {};
  for (const count of copies) {
    const folder = path.join(dir, `folder-${count}`);
    await mkdir(folder, { recursive: true });
    for (let i = 1; i <= count; i++) {
      const name = `copy-${String(i).padStart(2, '0')}.yaml`;
      await writeFile(path.join(folder, name), minimalExperiment(port, `bench minimal run ${i}`), 'utf8');
    }
    folders[count] = folder;
  }
  return { file, folders };
}

/** Runs `faultline run PATH` `runs` times after one warm-up; every run must pass (exit 0). */
export async function timeRuns({ cli, target, runs, stateDir }) {
  const samples = [];
  for (let i = 0; i <= runs; i++) {
    checkInterrupted();
    const result = await run(process.execPath, [cli, 'run', target], {
      env: { ...process.env, NO_COLOR: '1', CI: '1', FAULTLINE_STATE_DIR: stateDir },
      ownGroup: true,
    });
    checkInterrupted();
    if (result.code !== 0) {
      throw new Error(
        `faultline run ${path.basename(target)} exited ${result.code ?? result.signal}, expected 0 (passed):\n${result.stdout}${result.stderr}`,
      );
    }
    if (i > 0) samples.push(result.ms / 1000);
  }
  return summarize(samples.map((s) => s * 1000));
}

/** The floor program: the same probe, pause, hold and unpause with nothing around them (run-floor.cjs). */
async function timeFloor(port, runs) {
  const floor = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-floor.cjs');
  const samples = [];
  for (let i = 0; i <= runs; i++) {
    checkInterrupted();
    const result = await run(process.execPath, [floor, String(port), CONTAINER], { ownGroup: true });
    if (result.code !== 0) throw new Error(`the floor of the minimal run failed:\n${result.stderr}`);
    if (i > 0) samples.push(result.ms);
  }
  return summarize(samples);
}

const overheadOf = (wallMs) => ({
  median: wallMs.median / 1000 - HELD_S,
  min: wallMs.min / 1000 - HELD_S,
  max: wallMs.max / 1000 - HELD_S,
});

/**
 * The minimal run: wall, overhead (wall minus the second held), the same for its floor (run-floor.cjs),
 * and the ratios to the floor and to the Chaos Toolkit reference.
 */
export async function measureMinimalRun({ cli, file, port, runs, stateDir }) {
  const wallMs = await timeRuns({ cli, target: file, runs, stateDir });
  const floorWallMs = await timeFloor(port, runs);
  const overheadS = overheadOf(wallMs);
  const floorOverheadS = overheadOf(floorWallMs);
  return {
    runs,
    heldS: HELD_S,
    wallMs,
    overheadS,
    floor: { wallMs: floorWallMs, overheadS: floorOverheadS },
    ratioToFloor: overheadS.median / floorOverheadS.median,
    reference: { chaosToolkitS: CHAOS_TOOLKIT_REFERENCE_S, live: false },
    ratioToReference: overheadS.median / CHAOS_TOOLKIT_REFERENCE_S,
    floorRatioToReference: floorOverheadS.median / CHAOS_TOOLKIT_REFERENCE_S,
  };
}

/** Folders of 1, 5 and 10 copies: wall of each, and the fixed cost of each extra experiment. */
export async function measureFolderRuns({ cli, folders, runs, stateDir }) {
  const rows = [];
  for (const [count, folder] of Object.entries(folders)) {
    rows.push({ copies: Number(count), wallMs: await timeRuns({ cli, target: folder, runs, stateDir }) });
  }
  const wall = (copies) => rows.find((row) => row.copies === copies)?.wallMs.median;
  const perExtra = (from, to) =>
    wall(from) !== undefined && wall(to) !== undefined
      ? (wall(to) - wall(from)) / 1000 / (to - from) - HELD_S
      : undefined;
  return {
    runs,
    heldS: HELD_S,
    rows,
    fixedCostPerExtraS: perExtra(1, 10),
    fixedCostPerExtra1to5S: perExtra(1, 5),
  };
}
