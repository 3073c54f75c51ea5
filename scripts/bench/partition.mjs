// Section 4 of scripts/bench.mjs: a network partition, [first half] | [second half], across N
// containers on one user-defined network, injected and reverted
//
//   - through faultline's engine code as a run does it: buildPlan on a parsed experiment, then
//     injectNetworkFault for every planned injection at once with one NetworkContext, then revert() for
//     all of them at once; once with an NsenterRunner (root on the Docker host) and once with a
//     HelperRunner (a helper container per target, what users without root get);
//   - by a loop through the docker CLI, one command after another, as a person would script it: the
//     addresses from `docker inspect`, then per container `nsenter -t $(docker inspect -f
//     {{.State.Pid}} C) -n iptables -A OUTPUT -d IP -j DROP` and the matching INPUT -s rule for every
//     address of the other group (and -D to revert); or the same iptables commands through
//     `docker run --rm --net container:C --cap-add NET_ADMIN <helper image> iptables ...`, one run each.
//
// The first repetition of every way also checks that the partition holds: from a container of group 1,
// a TCP connect to group 2 times out (within 1s) while one to its own group connects, and the other
// way round; after the revert, it connects again and no namespace has a FL- chain or a DROP rule left.

import { randomBytes } from 'node:crypto';
import {
  benchRunIds,
  checkInterrupted,
  docker,
  IMAGE,
  LABEL,
  NAME_PREFIX,
  removeBenchContainers,
  removeBenchNetworks,
  run,
  sleep,
  summarize,
} from './common.mjs';

export const PROJECT = 'faultline-bench';
export const NETWORK = 'faultline-bench-net';
const PORT = 8080;
const CUT_TIMEOUT_MS = 1000;
const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
const IP_FORMAT = `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`;
/** The helper-container CLI loop repeats like the others only while it stays this short (docker runs a phase). */
const HELPER_CLI_FULL_REPS_UP_TO = 25;

/** Engine contexts whose runner may hold helper containers, so that an interrupt can dispose of them. */
export const liveContexts = new Set();

/**
 * Run inside a fixture container (node, CommonJS): TCP-connects to each host's PORT at once and prints
 * one result per host: connected, timeout, or the error code (ECONNREFUSED, EHOSTUNREACH, ...).
 */
const CONNECT_SCRIPT = [
  "const net = require('net');",
  'const [timeout, ...hosts] = process.argv.slice(1);',
  'Promise.all(hosts.map((host) => new Promise((resolve) => {',
  `  const socket = net.connect({ host, port: ${PORT} });`,
  "  const timer = setTimeout(() => { socket.destroy(); resolve('timeout'); }, Number(timeout));",
  "  socket.on('connect', () => { clearTimeout(timer); socket.destroy(); resolve('connected'); });",
  "  socket.on('error', (error) => { clearTimeout(timer); resolve(error.code || error.message); });",
  '}))).then((results) => console.log(JSON.stringify(results)));',
].join('\n');

async function connectFrom(container, hosts, timeoutMs = CUT_TIMEOUT_MS) {
  const out = await docker('exec', container.name, 'node', '-e', CONNECT_SCRIPT, String(timeoutMs), ...hosts);
  return JSON.parse(out);
}

// ------------------------------------------------------------------------------------------ containers

/** N containers, the first half compose service g1, the second g2, all in compose project PROJECT. */
function layout(n) {
  const half = n / 2;
  return Array.from({ length: n }, (_, i) => {
    const group = i < half ? 1 : 2;
    const index = group === 1 ? i + 1 : i - half + 1;
    return { name: `${NAME_PREFIX}g${group}-${String(index).padStart(2, '0')}`, service: `g${group}`, group };
  });
}

async function createContainers(n) {
  await removeBenchContainers();
  const specs = layout(n);
  await Promise.all(
    specs.map((spec) =>
      docker(
        'run',
        '-d',
        '--name',
        spec.name,
        '--network',
        NETWORK,
        '--label',
        LABEL,
        '--label',
        `${COMPOSE_PROJECT}=${PROJECT}`,
        '--label',
        `${COMPOSE_SERVICE}=${spec.service}`,
        IMAGE,
        '/app/backend.mjs',
      ),
    ),
  );
  checkInterrupted();
  const facts = new Map(
    (
      await docker(
        'inspect',
        '-f',
        `{{.Name}} {{.State.Running}} {{.State.Pid}} ${IP_FORMAT}`,
        ...specs.map((spec) => spec.name),
      )
    )
      .split('\n')
      .map((line) => line.trim().split(' '))
      .map(([name, running, pid, ip]) => [name.replace(/^\//, ''), { running, pid, ip }]),
  );
  const containers = specs.map((spec) => ({ ...spec, ...facts.get(spec.name) }));
  const down = containers.filter((c) => c.running !== 'true' || !c.ip);
  if (down.length > 0)
    throw new Error(`bench containers did not start: ${down.map((c) => c.name).join(', ')}`);

  // Every backend must listen before anything is timed or checked.
  const deadline = Date.now() + 30_000;
  for (;;) {
    checkInterrupted();
    const results = await connectFrom(
      containers[0],
      containers.map((c) => c.ip),
    );
    if (results.every((result) => result === 'connected')) break;
    if (Date.now() > deadline) {
      throw new Error(
        `bench backends did not come up: ${containers.map((c, i) => `${c.name} ${results[i]}`).join(', ')}`,
      );
    }
    await sleep(200);
  }
  return containers;
}

function experimentYaml(n) {
  return `title: bench partition of ${n} containers
description: Written by scripts/bench.mjs; cuts compose service g1 off from g2, both ways.
scope: { compose: ${PROJECT} }
hypothesis:
  - name: the first group is running
    container:
      target: { service: g1 }
    expect: { state: running }
method:
  - partition:
      groups:
        - [{ service: g1 }]
        - [{ service: g2 }]
safety:
  max-targets: ${n}
  require-label: { "${LABEL.split('=')[0]}": "${LABEL.split('=')[1]}" }
`;
}

// ------------------------------------------------------------------------------------------- checks

/** What is left in a container's namespace: FL- chains, and DROP rules in the filter table. */
async function leftovers(containers) {
  const found = await Promise.all(
    containers.map(async (c) => {
      const problems = [];
      for (const save of ['iptables-nft-save', 'iptables-legacy-save']) {
        const result = await run('nsenter', ['-t', c.pid, '-n', save]);
        if (result.code !== 0) {
          problems.push(`${save} failed: ${result.stderr.trim()}`);
          continue;
        }
        for (const line of result.stdout.split('\n')) {
          if (/FL-/.test(line) || /-j DROP/.test(line)) problems.push(`${save}: ${line.trim()}`);
        }
      }
      return problems.map((problem) => `${c.name} ${problem}`);
    }),
  );
  return found.flat();
}

/** While injected: group 1 cannot reach group 2 nor the other way, and can still reach its own group. */
async function checkCut(containers) {
  const g1 = containers.filter((c) => c.group === 1);
  const g2 = containers.filter((c) => c.group === 2);
  const peer = g1[1] ?? g1[0];
  const [[across, sameGroup], [reverse]] = await Promise.all([
    connectFrom(g1[0], [g2[0].ip, peer.ip]),
    connectFrom(g2.at(-1), [g1[0].ip]),
  ]);
  return {
    from: g1[0].name,
    across: `${g2[0].name}: ${across}`,
    sameGroup: `${peer === g1[0] ? `${peer.name} (itself; a group of one)` : peer.name}: ${sameGroup}`,
    reverse: `${g2.at(-1).name} -> ${g1[0].name}: ${reverse}`,
    ok: across === 'timeout' && sameGroup === 'connected' && reverse === 'timeout',
  };
}

/** After the revert: traffic flows both ways again and no namespace holds anything of the fault. */
async function checkRestored(containers) {
  const g1 = containers.filter((c) => c.group === 1);
  const g2 = containers.filter((c) => c.group === 2);
  const [[across], [reverse], left] = await Promise.all([
    connectFrom(g1[0], [g2[0].ip]),
    connectFrom(g2.at(-1), [g1[0].ip]),
    leftovers(containers),
  ]);
  return {
    across,
    reverse,
    leftovers: left,
    ok: across === 'connected' && reverse === 'connected' && left.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------- ways

/** Counts the commands the engine runs in namespaces; passes everything else through unchanged. */
function counting(inner) {
  const counter = { count: 0 };
  return {
    counter,
    runner: {
      via: inner.via,
      run(target, argv) {
        counter.count++;
        return inner.run(target, argv);
      },
      display: (target, argv) => inner.display(target, argv),
      dispose: () => inner.dispose(),
    },
  };
}

/** One engine repetition: plan, then a handle whose inject/revert/dispose are timed by the caller. */
async function engineRep({ dist, client, loaded, n, via, helperImage }) {
  const runId = randomBytes(4).toString('hex');
  benchRunIds.add(runId);
  const planStarted = performance.now();
  const plan = await dist.buildPlan(loaded, client, { seed: 1, runId });
  const planMs = performance.now() - planStarted;
  const injections = dist.allInjections(plan.steps);
  if (injections.length !== n) throw new Error(`the plan has ${injections.length} injections, expected ${n}`);
  const inner =
    via === 'nsenter' ? new dist.NsenterRunner(client) : new dist.HelperRunner(client, helperImage, runId);
  const { runner, counter } = counting(inner);
  const context = new dist.NetworkContext(runner);
  liveContexts.add(context);
  let faults = [];
  return {
    planMs,
    async inject() {
      const settled = await Promise.allSettled(
        injections.map((injection) =>
          dist.injectNetworkFault(context, injection.fault, injection.target, injection.faultId),
        ),
      );
      faults = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failed = settled.flatMap((result, i) =>
        result.status === 'rejected'
          ? [`${injections[i].target.name}: ${result.reason?.message ?? result.reason}`]
          : [],
      );
      if (failed.length > 0) {
        await Promise.all(faults.map((fault) => fault.revert()));
        const meddled = /No chain|does not exist|Removal In Progress|is not running|exit 13[7]|exit 126/;
        throw new Error(
          `partition via ${via} failed on ${failed.join('; ')}${failed.some((text) => meddled.test(text)) ? `\n  (chains or helper containers vanished mid-run: something else on this host removes faultline's chains and helpers, such as \`faultline recover\` or the safety tests; run the bench on a quiet host)` : ''}`,
        );
      }
      return counter.count;
    },
    async revert() {
      const before = counter.count;
      const outcomes = await Promise.all(faults.map((fault) => fault.revert()));
      return {
        commands: counter.count - before,
        outcomes: outcomes.map((outcome) => outcome.status),
        failures: outcomes.filter((o) => o.status === 'failed').map((o) => o.detail),
      };
    },
    async dispose() {
      try {
        await context.dispose();
      } finally {
        liveContexts.delete(context);
      }
    },
  };
}

/** One docker-CLI-loop repetition: every command in turn, waited for, as a shell script runs them. */
function cliRep({ containers, via, helperImage }) {
  let count = 0;
  const exec = async (command, argv) => {
    checkInterrupted();
    count++;
    const result = await run(command, argv);
    if (result.code !== 0) {
      throw new Error(
        `${command} ${argv.join(' ')} failed (exit ${result.code ?? result.signal}): ${result.stderr.trim()}`,
      );
    }
    return result.stdout.trim();
  };
  const others = (c) => containers.filter((other) => other.group !== c.group);
  let ips;
  const rules = async (action) => {
    for (const c of containers) {
      const iptables =
        via === 'nsenter'
          ? ['-t', await exec('docker', ['inspect', '-f', '{{.State.Pid}}', c.name]), '-n', 'iptables']
          : [
              'run',
              '--rm',
              '--net',
              `container:${c.name}`,
              '--cap-add',
              'NET_ADMIN',
              '--label',
              LABEL,
              helperImage,
              'iptables',
            ];
      const command = via === 'nsenter' ? 'nsenter' : 'docker';
      for (const peer of others(c)) {
        const ip = ips.get(peer.name);
        await exec(command, [...iptables, action, 'OUTPUT', '-d', ip, '-j', 'DROP']);
        await exec(command, [...iptables, action, 'INPUT', '-s', ip, '-j', 'DROP']);
      }
    }
  };
  return {
    planMs: undefined,
    async inject() {
      ips = new Map();
      for (const c of containers) ips.set(c.name, await exec('docker', ['inspect', '-f', IP_FORMAT, c.name]));
      await rules('-A');
      return count;
    },
    async revert() {
      const before = count;
      await rules('-D');
      return { commands: count - before, outcomes: [], failures: [] };
    },
    async dispose() {},
  };
}

/**
 * Times one way: `warmups` untimed repetitions, then `reps` timed ones. The first repetition, warm-up
 * or not, checks the partition between inject and revert, outside the timed spans.
 */
async function measureWay(way, { containers, reps, warmups }) {
  const samples = [];
  const outcomeCounts = {};
  const failures = [];
  let verification;
  for (let rep = 0; rep < warmups + reps; rep++) {
    checkInterrupted();
    const handle = await way.prepare();
    let injectMs;
    let revertMs;
    let disposeMs;
    let injected;
    let reverted;
    let cut;
    try {
      const t0 = performance.now();
      injected = await handle.inject();
      injectMs = performance.now() - t0;
      if (rep === 0) cut = await checkCut(containers);
      const t1 = performance.now();
      reverted = await handle.revert();
      revertMs = performance.now() - t1;
    } finally {
      const t2 = performance.now();
      await handle.dispose();
      disposeMs = performance.now() - t2;
    }
    if (rep === 0) verification = { injected: cut, reverted: await checkRestored(containers) };
    failures.push(...reverted.failures);
    if (rep < warmups) continue;
    for (const status of reverted.outcomes) outcomeCounts[status] = (outcomeCounts[status] ?? 0) + 1;
    samples.push({
      planMs: handle.planMs,
      injectMs,
      revertMs,
      disposeMs,
      totalMs: injectMs + revertMs + disposeMs,
      injectCommands: injected,
      revertCommands: reverted.commands,
    });
  }
  const pick = (key) => summarize(samples.map((sample) => sample[key]));
  return {
    n: containers.length,
    method: way.method,
    via: way.via,
    warmups,
    reps: samples.length,
    plan: way.method === 'engine' ? pick('planMs') : undefined,
    inject: pick('injectMs'),
    revert: pick('revertMs'),
    dispose: pick('disposeMs'),
    total: pick('totalMs'),
    commands: { inject: samples[0].injectCommands, revert: samples[0].revertCommands },
    revertOutcomes: outcomeCounts,
    revertFailures: failures,
    verification,
    leftoversAfterAllReps: await leftovers(containers),
  };
}

/**
 * What one command in a namespace costs on its own, sequentially, to read the tables by: a docker
 * inspect through the API (the engine's runners do one before every command), a bare nsenter process,
 * one NsenterRunner.run, and one HelperRunner.run (docker exec into a helper that already exists).
 */
async function commandCosts({ dist, client, container, helperImage, times = 10 }) {
  const details = await client.inspect(container.name);
  const target = { id: details.id, name: container.name };
  const argv = ['iptables-nft', '-w', '5', '-S', 'OUTPUT'];
  const timeIt = async (fn) => {
    await fn();
    const samples = [];
    for (let i = 0; i < times; i++) {
      checkInterrupted();
      const started = performance.now();
      await fn();
      samples.push(performance.now() - started);
    }
    return summarize(samples);
  };
  const costs = {
    dockerInspectApi: await timeIt(() => client.inspect(target.id)),
    dockerInspectCli: await timeIt(() => docker('inspect', '-f', '{{.State.Pid}}', container.name)),
    nsenterProcess: await timeIt(() => run('nsenter', ['-t', container.pid, '-n', ...argv])),
    nsenterRunner: await timeIt(() => new dist.NsenterRunner(client).run(target, argv)),
  };
  if (helperImage) {
    const runId = randomBytes(4).toString('hex');
    benchRunIds.add(runId);
    const helper = new dist.HelperRunner(client, helperImage, runId);
    const context = new dist.NetworkContext(helper);
    liveContexts.add(context);
    try {
      costs.helperRunner = await timeIt(() => helper.run(target, argv));
    } finally {
      await context.dispose();
      liveContexts.delete(context);
    }
  }
  return costs;
}

// ----------------------------------------------------------------------------------------------- main

/**
 * Measures every size. `dist` holds buildPlan, allInjections, parseExperiment, NetworkContext,
 * injectNetworkFault, NsenterRunner and HelperRunner; `helperImage` is undefined when it is missing.
 */
export async function measurePartition({ dist, client, sizes, reps, helperImage, helperCliMaxRuns, onRow }) {
  await removeBenchContainers();
  await removeBenchNetworks();
  await docker('network', 'create', '--label', LABEL, NETWORK);
  const rows = [];
  const skipped = [];
  let costs;
  try {
    for (const n of sizes) {
      checkInterrupted();
      const containers = await createContainers(n);
      costs ??= await commandCosts({ dist, client, container: containers[0], helperImage });
      const loaded = dist.parseExperiment(experimentYaml(n), `bench-partition-${n}.yaml`, {});
      const helperRuns = n * (n / 2) * 2;
      const ways = [
        { method: 'engine', via: 'nsenter' },
        ...(helperImage ? [{ method: 'engine', via: 'helper' }] : []),
        { method: 'docker CLI loop', via: 'nsenter' },
        ...(helperImage && helperRuns <= helperCliMaxRuns
          ? [{ method: 'docker CLI loop', via: 'helper' }]
          : []),
      ];
      if (helperImage && helperRuns > helperCliMaxRuns) {
        skipped.push(
          `N=${n} docker CLI loop via helper: ${helperRuns} docker runs a phase, above --helper-cli-max-runs ${helperCliMaxRuns}`,
        );
      }
      for (const way of ways) {
        const prepare =
          way.method === 'engine'
            ? () => engineRep({ dist, client, loaded, n, via: way.via, helperImage })
            : () => cliRep({ containers, via: way.via, helperImage });
        // A long helper loop runs once, checked and timed, rather than six times.
        const short =
          way.method === 'engine' || way.via === 'nsenter' || helperRuns <= HELPER_CLI_FULL_REPS_UP_TO;
        const row = await measureWay(
          { ...way, prepare },
          { containers, reps: short ? reps : 1, warmups: short ? 1 : 0 },
        );
        rows.push(row);
        onRow?.(row);
      }
    }
  } finally {
    // On failure the bench's own clean-up retries this and reports; the first error is the one to show.
    await removeBenchContainers()
      .then(removeBenchNetworks)
      .catch(() => undefined);
  }
  return {
    network: NETWORK,
    project: PROJECT,
    sizes,
    cutTimeoutMs: CUT_TIMEOUT_MS,
    helperImage,
    commandCosts: costs,
    rows,
    skipped,
  };
}

/** The same row's engine counterpart (same way into the namespaces). */
export function engineRow(rows, row) {
  return rows.find((r) => r.n === row.n && r.via === row.via && r.method === 'engine');
}
