// What scripts/bench.mjs prints: a table per section as it is measured, and at the end one summary of
// every figure (min, median, max) with its ratio and, where there is one, its target.

import { heading, ms, spread, table } from './common.mjs';

const s = (value, digits = 2) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const x = (value) => (value === undefined ? '-' : `${value.toFixed(2)}x`);

export function printStartup(startup) {
  heading(
    `1. start-up, each against node -e 0 in turn (${startup.runs} pairs after ${startup.warmups} warm-ups, ms)`,
  );
  console.log(
    table(
      ['command', 'median (min-max)', 'node -e 0', 'ratio median (min-max)'],
      startup.rows.map((r) => [r.command, spread(r.ms), spread(r.floorMs), `${spread(r.ratio, 2)}x`]),
      ['left'],
    ),
  );
  console.log(`  ${startup.version}; the ratio is taken pair by pair (A then B, A then B, ...)`);
}

export function printMinimalRun(result) {
  heading(
    `2. faultline run: 1 http probe + ${result.heldS}s pause of one container (${result.runs} runs after 1 warm-up)`,
  );
  console.log(
    table(
      ['figure', 'median', 'min', 'max'],
      [
        [
          'wall (s)',
          s(result.wallMs.median / 1000),
          s(result.wallMs.min / 1000),
          s(result.wallMs.max / 1000),
        ],
        [
          'overhead: wall - 1s held (s)',
          s(result.overheadS.median),
          s(result.overheadS.min),
          s(result.overheadS.max),
        ],
        [
          'floor (run-floor.cjs): overhead (s)',
          s(result.floor.overheadS.median),
          s(result.floor.overheadS.min),
          s(result.floor.overheadS.max),
        ],
      ],
      ['left'],
    ),
  );
  console.log(
    `  overhead / floor: ${x(result.ratioToFloor)}; the floor alone is ${x(result.floorRatioToReference)} Chaos Toolkit's (node, one probe, the Engine's pause and unpause, one probe: nothing else)`,
  );
  console.log(
    `  overhead / Chaos Toolkit ${result.reference.chaosToolkitS}s: ${x(result.ratioToReference)} (a recorded reference for the same experiment on this kind of machine, not measured live: Chaos Toolkit cannot be installed here)`,
  );
}

export function printFolderRuns(result) {
  heading(
    `3. faultline run FOLDER of N copies of the minimal experiment (${result.runs} runs after 1 warm-up, s)`,
  );
  console.log(
    table(
      ['copies', 'wall median (min-max)', 'per copy'],
      result.rows.map((r) => [
        r.copies,
        spread({ median: r.wallMs.median / 1000, min: r.wallMs.min / 1000, max: r.wallMs.max / 1000 }, 2),
        s(r.wallMs.median / 1000 / r.copies),
      ]),
    ),
  );
  console.log(
    `  fixed cost per extra experiment, (t10 - t1)/9 - ${result.heldS}s held: ${s(result.fixedCostPerExtraS)} s (1 -> 5: ${s(result.fixedCostPerExtra1to5S)} s)`,
  );
}

export function printGrowth(growth) {
  heading('4-5. growth: inject + revert into N containers at once (ms, median (min-max) of the timed reps)');
  const warm = [...new Set(growth.rows.map((row) => row.warmups))].join(', ');
  if (warm) console.log(`  (${warm} untimed warm-up repetition(s) before each way's timed ones)\n`);
  console.log(
    table(
      [
        'N',
        'fault',
        'way',
        'reps',
        'inject',
        'revert',
        'dispose',
        'total',
        'per container',
        'cmds',
        'checks',
      ],
      growth.rows.map((row) => [
        row.n,
        row.fault,
        row.way,
        row.reps,
        spread(row.inject),
        spread(row.revert),
        spread(row.dispose),
        spread(row.total),
        ms(row.perContainerMs),
        `${row.commands.inject}+${row.commands.revert}`,
        `${row.verification.injected.text}; then ${row.verification.reverted.text}${row.ok ? '' : '  NO'}`,
      ]),
      ['right', 'left', 'left'],
    ),
  );
  console.log(
    '  engine: buildPlan and the way into namespaces chosen (not timed: a run does both before its baseline),',
  );
  console.log(
    '    then every planned injection through its family in the fault-driver registry at once, then',
  );
  console.log(
    '    revert() for all at once, then the way in disposed of (helpers removed); total = inject + revert + dispose',
  );
  console.log(
    '  floor: the same chains and rules, one `nsenter -t PID -n iptables-restore --noflush` per namespace',
  );
  console.log('    to add them and one to remove them, all namespaces at once, pids known beforehand');
  console.log(
    '  cmds: commands run in namespaces to inject + to revert (pause goes through the Engine API: 0)',
  );
  for (const line of growth.skipped) console.log(`  skipped: ${line}`);
  for (const row of growth.rows.filter((r) => !r.ok)) {
    const left = [...(row.verification.reverted.leftovers ?? []), ...row.leftoversAfterAllReps];
    for (const line of left.slice(0, 5)) console.log(`  ! N=${row.n} ${row.fault} ${row.way}: ${line}`);
    for (const failure of row.revertFailures.slice(0, 5))
      console.log(`  ! N=${row.n} ${row.fault} ${row.way}: revert failed: ${failure}`);
  }
}

/** The figures the summary and the targets read, from whatever sections ran. */
function summaryRows(results) {
  const rows = [];
  for (const r of results.startup?.rows ?? []) {
    rows.push([r.command, 'ms', r.ms, `${s(r.ratio.median)}x node -e 0`, '']);
  }
  const minimal = results.minimalRun;
  if (minimal) {
    const overhead = {
      median: minimal.overheadS.median * 1000,
      min: minimal.overheadS.min * 1000,
      max: minimal.overheadS.max * 1000,
    };
    rows.push([
      'run overhead (wall - 1s)',
      'ms',
      overhead,
      `${x(minimal.ratioToReference)} CTK ref 245 ms; ${x(minimal.ratioToFloor)} its floor (${Math.round(minimal.floor.overheadS.median * 1000)} ms)`,
      '',
    ]);
  }
  const folder = results.folderRuns;
  for (const row of folder?.rows ?? []) {
    rows.push([
      `run FOLDER of ${row.copies}`,
      'ms',
      row.wallMs,
      `${ms(row.wallMs.median / row.copies)} ms/copy`,
      '',
    ]);
  }
  if (folder?.fixedCostPerExtraS !== undefined) {
    const v = folder.fixedCostPerExtraS * 1000;
    rows.push(['folder: fixed cost per extra', 'ms', { median: v }, '', '']);
  }
  const growth = results.growth?.rows ?? [];
  const find = (n, way) => growth.find((r) => r.fault === 'partition' && r.n === n && r.way === way);
  for (const row of growth) {
    const floor = row.fault === 'partition' && row.way.startsWith('engine') && find(row.n, 'floor nsenter');
    const vsFloor = floor ? `, ${x(row.total.median / floor.total.median)} floor` : '';
    const label = `${row.fault} N=${row.n} ${row.way}`;
    rows.push([label, 'ms', row.total, `${ms(row.perContainerMs)} ms/ctr${vsFloor}`, '']);
  }
  const engine30 = find(30, 'engine nsenter');
  const floor30 = find(30, 'floor nsenter');
  if (engine30 && floor30) {
    const ratio = engine30.total.median / floor30.total.median;
    rows.push([
      'partition N=30 engine / floor',
      'x',
      { median: ratio },
      '',
      `<= 2x: ${ratio <= 2 ? 'met' : 'NOT met'}`,
    ]);
  }
  const helper30 = find(30, 'engine helper');
  if (helper30) {
    const met = helper30.total.median <= 5000;
    rows.push(['partition N=30 helper way', 'ms', helper30.total, '', `<= 5 s: ${met ? 'met' : 'NOT met'}`]);
  }
  return rows;
}

export function printSummary(results) {
  const rows = summaryRows(results);
  if (rows.length === 0) return;
  heading('summary');
  console.log(
    table(
      ['figure', 'unit', 'min', 'median', 'max', 'ratio', 'target'],
      rows.map(([label, unit, v, ratio, target]) => {
        const f = unit === 'x' ? (value) => s(value) : (value) => ms(value);
        return [label, unit, f(v.min), f(v.median), f(v.max), ratio, target];
      }),
      ['left', 'left'],
    ),
  );
  results.summary = rows.map(([figure, unit, v, ratio, target]) => ({
    figure,
    unit,
    min: v.min,
    median: v.median,
    max: v.max,
    ratio,
    target,
  }));
}
