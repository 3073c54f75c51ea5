// Start-up: `faultline validate FILE`, `faultline --version` and `faultline --help`, each against
// `node -e 0` (the floor: a bare Node start-up), run in turn A B A B … after warm-ups, with the ratio
// A/B taken pair by pair so that a drift in the machine's speed cancels out.

import { spawnSync } from 'node:child_process';
import { checkInterrupted, max, median, min, ROOT, round, summarize } from './common.mjs';

const FLOOR = { label: 'node -e 0', argv: ['-e', '0'] };

function timeOnce(item) {
  const started = performance.now();
  const result = spawnSync(process.execPath, item.argv, { cwd: ROOT, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${item.label} failed (exit ${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
    );
  }
  return elapsed;
}

/** Ratios keep two decimals. */
export function ratioSummary(ratios) {
  return {
    median: round(median(ratios), 2),
    min: round(min(ratios), 2),
    max: round(max(ratios), 2),
    samples: ratios.map((r) => round(r, 2)),
  };
}

/** Times one command against the floor, alternating; resolves with both summaries and the ratios. */
function pair(item, { runs, warmups }) {
  const a = [];
  const b = [];
  for (let i = 0; i < warmups + runs; i++) {
    checkInterrupted();
    const timeA = timeOnce(item);
    const timeB = timeOnce(FLOOR);
    if (i < warmups) continue;
    a.push(timeA);
    b.push(timeB);
  }
  const ratios = a.map((value, i) => value / b[i]);
  return {
    command: item.label,
    floor: FLOOR.label,
    runs,
    ms: summarize(a),
    floorMs: summarize(b),
    ratio: ratioSummary(ratios),
  };
}

/** `cli` is bin/faultline.js; `experiment` a valid experiment file for validate. */
export function measureStartup({ cli, experiment, runs, warmups }) {
  const cases = [
    { label: 'faultline validate FILE', argv: [cli, 'validate', experiment] },
    { label: 'faultline --version', argv: [cli, '--version'] },
    { label: 'faultline --help', argv: [cli, '--help'] },
  ];
  const rows = cases.map((item) => pair(item, { runs, warmups }));
  const version = spawnSync(process.execPath, [cli, '--version'], { cwd: ROOT, encoding: 'utf8' });
  return { warmups, runs, version: version.stdout.trim(), rows };
}
