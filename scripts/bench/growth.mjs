// The growth sections of scripts/bench.mjs: `pause` and a partition ([first half] | [second half]) into
// 1, 10, 30 and 100 containers (a partition needs two groups: its size 1 is measured with 2), injected
// and reverted through faultline's engine (engine.mjs) the nsenter way and the helper way, and, for the
// partition, the floor (floor.mjs): the same rules by one iptables-restore per namespace.
//
// The first repetition of every way also checks, outside the timed spans, that the fault held (every
// container paused; a TCP connect across the partition times out while one within a group connects)
// and that its revert left nothing (every container running; connects across again; no FL- chain or
// DROP rule in any namespace).

import {
  checkInterrupted,
  docker,
  LABEL,
  removeBenchContainers,
  removeBenchNetworks,
  summarize,
} from './common.mjs';
import {
  checkCut,
  checkRestored,
  createContainers,
  leftovers,
  NETWORK,
  PROJECT,
  pausedStates,
} from './containers.mjs';
import { engineRep } from './engine.mjs';
import { floorRep } from './floor.mjs';

const [LABEL_KEY, LABEL_VALUE] = LABEL.split('=');

function experimentYaml(kind, n) {
  const step =
    kind === 'pause'
      ? `  - pause:\n      target: { labels: { "${LABEL_KEY}": "${LABEL_VALUE}" } }`
      : '  - partition:\n      groups:\n        - [{ service: g1 }]\n        - [{ service: g2 }]';
  return `title: bench ${kind} of ${n} containers
description: Written by scripts/bench.mjs.
scope: { compose: ${PROJECT} }
hypothesis:
  - name: the first group is running
    container:
      target: { service: g1 }
    expect: { state: running }
method:
${step}
safety:
  max-targets: ${n}
  require-label: { "${LABEL_KEY}": "${LABEL_VALUE}" }
`;
}

const CHECKS = {
  async pause(containers) {
    const states = await pausedStates(containers);
    return { ...states, ok: states.paused === states.of, text: `${states.paused}/${states.of} paused` };
  },
  async pauseRestored(containers) {
    const states = await pausedStates(containers);
    return { ...states, ok: states.running === states.of, text: `${states.running}/${states.of} running` };
  },
  async partition(containers) {
    const cut = await checkCut(containers);
    const result = (text) => text.split(': ').at(-1);
    return { ...cut, text: `across ${result(cut.across)}, within ${result(cut.sameGroup)}` };
  },
  async partitionRestored(containers) {
    const back = await checkRestored(containers);
    return { ...back, text: `across ${back.across}, ${back.leftovers.length} left` };
  },
};

/** One repetition: inject, check (first one only), revert, dispose; returns the times and what it saw. */
async function repOnce(handle, check) {
  const times = {};
  let injected;
  let reverted;
  let held;
  try {
    const t0 = performance.now();
    injected = await handle.inject();
    times.inject = performance.now() - t0;
    if (check) held = await check();
    const t1 = performance.now();
    reverted = await handle.revert();
    times.revert = performance.now() - t1;
  } finally {
    const t2 = performance.now();
    await handle.dispose();
    times.dispose = performance.now() - t2;
  }
  times.total = times.inject + times.revert + times.dispose;
  return { times, injected, reverted, held };
}

/** Times one way: `warmups` untimed repetitions, then `reps` timed ones; the first one is also checked. */
async function measureWay(way, { containers, reps, warmups, fault }) {
  const samples = [];
  const outcomeCounts = {};
  const failures = [];
  let verification;
  for (let rep = 0; rep < warmups + reps; rep++) {
    checkInterrupted();
    const handle = await way.prepare();
    const check = rep === 0 ? () => CHECKS[fault](containers) : undefined;
    const { times, injected, reverted, held } = await repOnce(handle, check);
    if (rep === 0) verification = { injected: held, reverted: await CHECKS[`${fault}Restored`](containers) };
    failures.push(...reverted.failures);
    if (rep < warmups) continue;
    for (const status of reverted.outcomes) outcomeCounts[status] = (outcomeCounts[status] ?? 0) + 1;
    samples.push({
      ...times,
      plan: handle.planMs,
      injectCommands: injected,
      revertCommands: reverted.commands,
    });
  }
  const pick = (key) => summarize(samples.map((sample) => sample[key]));
  const left = fault === 'partition' ? await leftovers(containers) : [];
  const total = pick('total');
  return {
    n: containers.length,
    fault,
    way: way.name,
    reps: samples.length,
    warmups,
    plan: pick('plan'),
    inject: pick('inject'),
    revert: pick('revert'),
    dispose: pick('dispose'),
    total,
    perContainerMs: total.median / containers.length,
    commands: { inject: samples[0].injectCommands, revert: samples[0].revertCommands },
    revertOutcomes: outcomeCounts,
    revertFailures: failures,
    verification,
    leftoversAfterAllReps: left,
    ok: verification.injected.ok && verification.reverted.ok && left.length === 0 && failures.length === 0,
  };
}

/** The ways measured for one fault at one size. */
function waysFor(fault, n, { helperImage, helperMax, ways }) {
  if (fault === 'pause') return [{ name: 'engine', via: 'api' }];
  return [
    { name: 'engine', via: 'nsenter' },
    ...(helperImage && n <= helperMax ? [{ name: 'engine', via: 'helper' }] : []),
    { name: 'floor', via: 'nsenter' },
  ].filter((way) => ways.includes(`${way.name}-${way.via}`));
}

/** The container sets to make: a partition needs two groups, so its size 1 is measured with 2. */
function jobs(sizes, faults) {
  return sizes.flatMap((n) => {
    if (n > 1) return [{ n, faults }];
    return [
      ...(faults.includes('pause') ? [{ n: 1, faults: ['pause'] }] : []),
      ...(faults.includes('partition') ? [{ n: 2, faults: ['partition'] }] : []),
    ];
  });
}

/** Measures every size of one container set, fault after fault, way after way. */
async function measureJob(
  job,
  { dist, client, reps, warmups, helperImage, helperMax, ways, onRow, rows, skipped },
) {
  const containers = await createContainers(job.n);
  for (const fault of job.faults) {
    const loaded = dist.parseExperiment(experimentYaml(fault, job.n), `bench-${fault}.yaml`, {});
    if (fault === 'partition' && helperImage && job.n > helperMax) {
      skipped.push(`N=${job.n} partition the helper way: above --helper-max ${helperMax}`);
    }
    for (const way of waysFor(fault, job.n, { helperImage, helperMax, ways })) {
      const common = { dist, client, loaded, expected: job.n };
      const prepare =
        way.name === 'floor'
          ? () => floorRep({ ...common, containers })
          : () => engineRep({ ...common, via: way.via, helperImage });
      const name = `${way.name} ${way.via}`;
      const row = await measureWay({ name, prepare }, { containers, reps, warmups, fault });
      rows.push(row);
      onRow?.(row);
    }
  }
}

/** Measures every size for the faults asked for; `onRow` hears of every row as it is measured. */
export async function measureGrowth(options) {
  await removeBenchContainers();
  await docker('network', 'create', '--label', LABEL, NETWORK);
  const rows = [];
  const skipped = [];
  try {
    for (const job of jobs(options.sizes, options.faults)) {
      checkInterrupted();
      await measureJob(job, { ...options, rows, skipped });
    }
  } finally {
    // On failure the bench's own clean-up retries this and reports; the first error is the one to show.
    await removeBenchContainers()
      .then(() => removeBenchNetworks())
      .catch(() => undefined);
  }
  return { network: NETWORK, project: PROJECT, sizes: options.sizes, rows, skipped };
}
