// Runs inside the user-mode-linux guest (scripts/uml/run-in-uml.sh), as root in its initial network
// namespace. It builds a small network, applies the exact tc commands faultline's plan
// (dist/network/tc-plan.js) computes for each scenario, measures the traffic before, during and after,
// and writes everything to result.json in the work directory. test/kernel/netem.test.ts judges it.
//
//   namespace a 10.77.0.1 (va) ─┐
//   namespace b 10.77.0.2 (vb) ─┼─ bridge br0 in the initial namespace
//   namespace c 10.77.0.3 (vc) ─┘
//
// Faults go on va, a's only interface, so they shape what a sends. b runs UDP echo servers on 7001 and
// 7002 and a TCP sink on 7101; c runs a UDP echo server on 7001 and is the peer a scoped fault must
// leave alone. Probes run in a, in one long-lived agent process (net-tools.mjs agent).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const tools = join(here, 'net-tools.mjs');
const workdir = process.env.FAULTLINE_UML_WORKDIR ?? process.argv[2];
if (!workdir)
  throw new Error('no work directory: set FAULTLINE_UML_WORKDIR or pass it as the first argument');
const resultFile = join(workdir, 'result.json');

const planFile = join(root, 'dist/network/tc-plan.js');
if (!existsSync(planFile)) throw new Error(`${planFile} is missing: run \`npm run build\` first`);
const plan = await import(pathToFileURL(planFile).href);

const DEVICE = 'va';
const IFB = plan.ifbName ? plan.ifbName(DEVICE) : 'flin-va';
const HOSTS = { a: '10.77.0.1', b: '10.77.0.2', c: '10.77.0.3' };
const ECHO = 7001;
const OTHER_ECHO = 7002;
const SINK = 7101;

const scope = (cidrs = [], ports = [], protocol = 'all') => ({ cidrs, ports, protocol });
const ALL = scope();
const TO_B = scope([`${HOSTS.b}/32`]);
const TO_C = scope([`${HOSTS.c}/32`]);

/**
 * Probe shapes: the check after a revert, the baseline, a measurement while a delay is active, and one
 * while a loss-like fault is active (counts matter there, not time).
 */
const QUICK = { count: 100, intervalMs: 2, drainMs: 250 };
const BASE = { count: 200, intervalMs: 2, drainMs: 250 };
const DELAYED = { count: 300, intervalMs: 3, drainMs: 450 };
const COUNTED = { count: 500, intervalMs: 2, drainMs: 250 };
/** A timing measurement is repeated (up to 3 times) while fewer of its samples than this ran undisturbed. */
const MIN_STEADY_SAMPLES = 50;

// -------------------------------------------------------------------------------------------------
// Commands
// -------------------------------------------------------------------------------------------------
function run(argv) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { argv, exitCode: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

function must(argv) {
  const result = run(argv);
  if (result.exitCode !== 0)
    throw new Error(`${argv.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  return result.stdout;
}

const inNs = (ns, argv) => ['ip', 'netns', 'exec', ns, ...argv];

/** The qdiscs on a device, as `tc qdisc show` prints them; with `full`, also statistics, classes, filters. */
function tcState(device = DEVICE, full = false) {
  const show = (...what) => must(inNs('a', ['tc', ...what, 'dev', device]));
  if (!full) return { qdisc: show('qdisc', 'show') };
  const stats = show('-s', 'qdisc', 'show');
  return {
    qdisc: show('qdisc', 'show'),
    stats,
    classes: show('class', 'show'),
    filters: show('filter', 'show'),
  };
}

/** /proc/net/snmp of a namespace, as { Ip: { InReceives: n, ... }, Udp: { ... }, ... }. */
function snmp(ns) {
  const lines = must(inNs(ns, ['cat', '/proc/net/snmp']))
    .trim()
    .split('\n');
  const table = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [group, ...names] = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/).slice(1).map(Number);
    table[group.replace(/:$/, '')] = Object.fromEntries(names.map((name, index) => [name, values[index]]));
  }
  return table;
}

// -------------------------------------------------------------------------------------------------
// The network
// -------------------------------------------------------------------------------------------------
function setUpNetwork() {
  must(['ip', 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0']);
  must(['ip', 'link', 'set', 'br0', 'up']);
  const macs = {};
  for (const [ns, address] of Object.entries(HOSTS)) {
    const device = `v${ns}`;
    must(['ip', 'netns', 'add', ns]);
    must(['ip', 'link', 'add', device, 'type', 'veth', 'peer', 'name', `${device}-br`]);
    must(['ip', 'link', 'set', device, 'netns', ns]);
    must(['ip', 'link', 'set', `${device}-br`, 'master', 'br0', 'up']);
    // IPv4 only: no router solicitations or MLD reports share the shaped link with the probes.
    must(inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']));
    must(inNs(ns, ['ip', 'link', 'set', 'lo', 'up']));
    must(inNs(ns, ['ip', 'addr', 'add', `${address}/24`, 'dev', device]));
    must(inNs(ns, ['ip', 'link', 'set', device, 'up']));
    macs[ns] = JSON.parse(must(inNs(ns, ['ip', '-j', 'link', 'show', 'dev', device])))[0].address;
  }
  // Permanent neighbour entries: no ARP exchange ever has to cross a lossy or delayed link.
  for (const ns of Object.keys(HOSTS)) {
    for (const [peer, address] of Object.entries(HOSTS)) {
      if (peer === ns) continue;
      must(
        inNs(ns, [
          'ip',
          'neigh',
          'replace',
          address,
          'lladdr',
          macs[peer],
          'dev',
          `v${ns}`,
          'nud',
          'permanent',
        ]),
      );
    }
  }
}

/** Starts `net-tools.mjs serve` in a namespace and waits for it to listen. */
async function startServer(ns, args) {
  const child = spawn('ip', inNs(ns, [process.execPath, tools, 'serve', ...args]).slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${ns} did not start`)), 20_000);
    lines.once('line', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`server in ${ns} exited (${code})`)));
  });
  return child;
}

/** The probing agent in namespace a: one JSON request per line, one JSON answer per line. */
function startAgent() {
  const child = spawn('ip', inNs('a', [process.execPath, tools, 'agent']).slice(1), {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map();
  let next = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const answer = JSON.parse(line);
    const pending = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (answer.error) pending?.reject(new Error(answer.error));
    else pending?.resolve(answer.result);
  });
  child.once('exit', (code) => {
    for (const pending of waiting.values()) pending.reject(new Error(`agent exited (${code})`));
  });
  return {
    request(op, request) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.stdin.write(`${JSON.stringify({ id, op, ...request })}\n`);
      });
    },
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Scenarios
// -------------------------------------------------------------------------------------------------
const started = performance.now();
const result = { kernel: must(['uname', '-r']).trim(), baseline: {}, scenarios: {}, totalMs: 0 };
const save = () => writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);

let agent;
/**
 * UDP echo probes from a, for their round trips. On a busy host the guest's processes stop now and
 * then (net-tools.mjs detects it); when most of a measurement overlapped such stops it is taken again,
 * and the least disturbed attempt is kept. How many samples were undisturbed depends on the host, not
 * on the fault, so the choice cannot favour a result.
 */
async function udp(host, port, shape) {
  const attempts = [];
  do attempts.push(await agent.request('udp-probe', { host, port, ...shape }));
  while (attempts.length < 3 && attempts.at(-1).rttSteady.n < MIN_STEADY_SAMPLES);
  const best = attempts.reduce((a, b) => (b.rttSteady.n > a.rttSteady.n ? b : a));
  return {
    ...best,
    attempts: attempts.map((attempt) => ({ steady: attempt.rttSteady.n, freezes: attempt.freezes })),
  };
}

/** UDP echo probes whose counts matter (loss, duplicates), not their timing: taken once. */
const counted = (host, port, shape) => agent.request('udp-probe', { host, port, ...shape });
const tcp = (bytes) => agent.request('tcp-bulk', { host: HOSTS.b, port: SINK, bytes });

/** Runs commands in namespace a, stopping at the first failure, as faultline's engine does. */
function apply(record, label, commands, prefix = ['tc']) {
  const entry = { label, commands: [], failed: null };
  record.transitions.push(entry);
  for (const argv of commands) {
    const begin = performance.now();
    const outcome = run(inNs('a', [...prefix, ...argv]));
    const ms = Math.round(performance.now() - begin);
    const step = { argv: [...prefix, ...argv], exitCode: outcome.exitCode, stderr: outcome.stderr, ms };
    entry.commands.push(step);
    if (outcome.exitCode !== 0) {
      entry.failed = step;
      break;
    }
  }
  return entry.failed === null;
}

const transition = (record, label, from, to, device = DEVICE, ...field) =>
  apply(record, label, plan.transitionCommands(device, from, to, ...field));

/**
 * One scenario: a record of every transition (the exact commands and what tc said), the tc state at
 * each stage and every measurement. Whatever happens, the device is put back afterwards; if faultline's
 * own revert did not do it, the record says so (`cleanup`).
 */
async function scenario(name, description, body) {
  const record = { name, description, transitions: [], tc: {}, udp: {}, tcp: {}, counters: {} };
  result.scenarios[name] = record;
  const begin = performance.now();
  try {
    await body(record);
  } catch (error) {
    record.error = String(error?.stack ?? error);
  }
  const leftover = record.tc.after?.qdisc ?? run(inNs('a', ['tc', 'qdisc', 'show', 'dev', DEVICE])).stdout;
  const ifbLeft =
    record.ifb !== undefined && run(inNs('a', ['ip', 'link', 'show', 'dev', IFB])).exitCode === 0;
  if (leftover !== result.baseline.tc.qdisc || ifbLeft) {
    record.cleanup = { qdisc: leftover, ifb: ifbLeft };
    run(inNs('a', ['tc', 'qdisc', 'del', 'dev', DEVICE, 'root']));
    run(inNs('a', ['tc', 'qdisc', 'del', 'dev', DEVICE, 'ingress']));
    if (ifbLeft) run(inNs('a', ['ip', 'link', 'del', IFB]));
  }
  record.ms = Math.round(performance.now() - begin);
  save();
}

/** The common shape: apply the faults' bands, measure, revert, measure again (and `afterRevert`). */
function faultScenario(name, description, faults, measure, afterRevert = async () => undefined) {
  return scenario(name, description, async (record) => {
    const bands = plan.bandsFor(faults);
    Object.assign(record, { faults, bands });
    record.tc.before = tcState();
    if (transition(record, 'apply', [], bands)) {
      record.tc.during = tcState(DEVICE, true);
      await measure(record, bands);
    }
    transition(record, 'revert', bands, []);
    record.tc.after = tcState();
    record.udp.after = await udp(HOSTS.b, ECHO, QUICK);
    await afterRevert(record);
  });
}

async function main() {
  setUpNetwork();
  const servers = [
    await startServer('b', [HOSTS.b, '--udp', `${ECHO},${OTHER_ECHO}`, '--tcp', String(SINK)]),
    await startServer('c', [HOSTS.c, '--udp', String(ECHO)]),
  ];
  agent = startAgent();
  try {
    await udp(HOSTS.b, ECHO, QUICK); // warm up: JIT, bridge learning
    await udp(HOSTS.c, ECHO, QUICK);
    result.baseline = {
      tc: tcState(DEVICE, true),
      udp: {
        b: await udp(HOSTS.b, ECHO, BASE),
        bOther: await udp(HOSTS.b, OTHER_ECHO, BASE),
        c: await udp(HOSTS.c, ECHO, BASE),
      },
      tcp: await tcp(2_000_000),
    };
    save();
    await runScenarios();
  } finally {
    await agent.close();
    for (const server of servers) server.kill();
  }
}

async function runScenarios() {
  const delay = (delayMs, extra = {}) => ({ delayMs, ...extra });

  await faultScenario(
    'delay',
    'delay 100ms on all traffic',
    [{ faultId: 'delay', scope: ALL, netem: delay(100) }],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
    },
  );

  await faultScenario(
    'delay-jitter',
    'delay 100ms ± 20ms on all traffic',
    [{ faultId: 'jitter', scope: ALL, netem: delay(100, { jitterMs: 20 }) }],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
    },
  );

  await faultScenario(
    'loss',
    'loss 30% on all traffic',
    [{ faultId: 'loss', scope: ALL, netem: { lossPercent: 30 } }],
    async (record) => {
      record.udp.during = await counted(HOSTS.b, ECHO, COUNTED);
    },
  );

  await faultScenario(
    'duplicate',
    'duplicate 50% on all traffic',
    [{ faultId: 'duplicate', scope: ALL, netem: { duplicatePercent: 50 } }],
    async (record) => {
      record.udp.during = await counted(HOSTS.b, ECHO, COUNTED);
    },
  );

  // netem flips one random bit of the frame (its checksum is completed first). The receiver's IP or UDP
  // checksum catches it unless the bit is in the Ethernet source address (or is the group bit of the
  // destination address): those frames arrive intact. 1000-byte payloads make that a small share.
  await faultScenario(
    'corrupt',
    'corrupt 30% on all traffic',
    [{ faultId: 'corrupt', scope: ALL, netem: { corruptPercent: 30 } }],
    async (record) => {
      record.counters.before = snmp('b');
      record.udp.during = await counted(HOSTS.b, ECHO, { ...COUNTED, size: 1000 });
      record.counters.after = snmp('b');
    },
  );

  await faultScenario(
    'reorder',
    'reorder 25% with delay 50ms on all traffic',
    [{ faultId: 'reorder', scope: ALL, netem: delay(50, { reorderPercent: 25 }) }],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, { count: 400, intervalMs: 3, drainMs: 300 });
    },
  );

  await faultScenario(
    'bandwidth',
    'rate 1mbit (tbf) on all traffic',
    [{ faultId: 'bandwidth', scope: ALL, tbf: { rate: '1mbit' } }],
    async (record) => {
      record.tcp.during = await tcp(375_000);
    },
    async (record) => {
      record.tcp.after = await tcp(2_000_000);
    },
  );

  await faultScenario(
    'delay-and-bandwidth',
    'delay 50ms and rate 1mbit on the same scope: one band, netem with tbf under it',
    [
      { faultId: 'delay', scope: TO_B, netem: delay(50) },
      { faultId: 'bandwidth', scope: TO_B, tbf: { rate: '1mbit' } },
    ],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, { count: 200, intervalMs: 5, drainMs: 350 });
      record.tcp.during = await tcp(200_000);
    },
  );

  await faultScenario(
    'scope-peer',
    `delay 100ms to ${HOSTS.b}/32 only`,
    [{ faultId: 'delay-b', scope: TO_B, netem: delay(100) }],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
      record.udp.duringC = await udp(HOSTS.c, ECHO, BASE);
    },
  );

  await faultScenario(
    'scope-peer-port',
    `delay 100ms to ${HOSTS.b}/32, udp port ${ECHO} only`,
    [{ faultId: 'delay-b-port', scope: scope([`${HOSTS.b}/32`], [ECHO], 'udp'), netem: delay(100) }],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
      record.udp.duringOtherPort = await udp(HOSTS.b, OTHER_ECHO, BASE);
      record.udp.duringC = await udp(HOSTS.c, ECHO, BASE);
    },
  );

  await faultScenario(
    'scope-port',
    `delay 100ms on udp port ${ECHO} to any peer`,
    [{ faultId: 'delay-port', scope: scope([], [ECHO], 'udp'), netem: delay(100) }],
    async (record) => {
      record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
      record.udp.duringOtherPort = await udp(HOSTS.b, OTHER_ECHO, BASE);
    },
  );

  await scenario(
    'composition',
    `delay 100ms and loss 30% to ${HOSTS.b}/32 as two faults: one netem; then each reverts alone`,
    async (record) => {
      const delayFault = { faultId: 'delay', scope: TO_B, netem: delay(100) };
      const lossFault = { faultId: 'loss', scope: TO_B, netem: { lossPercent: 30 } };
      const both = plan.bandsFor([delayFault, lossFault]);
      const delayOnly = plan.bandsFor([delayFault], both);
      Object.assign(record, { faults: [delayFault, lossFault], bands: both, bandsAfterLoss: delayOnly });
      record.tc.before = tcState();
      if (!transition(record, 'apply', [], both)) return;
      record.tc.during = tcState(DEVICE, true);
      record.udp.during = await udp(HOSTS.b, ECHO, { count: 500, intervalMs: 3, drainMs: 450 });
      if (!transition(record, 'remove-loss', both, delayOnly)) return;
      record.tc.delayOnly = tcState(DEVICE, true);
      record.udp.delayOnly = await udp(HOSTS.b, ECHO, DELAYED);
      transition(record, 'revert', delayOnly, []);
      record.tc.after = tcState();
      record.udp.after = await udp(HOSTS.b, ECHO, QUICK);
    },
  );

  await scenario(
    'two-bands',
    `delay 100ms to ${HOSTS.b}/32 and loss 30% to ${HOSTS.c}/32: two bands; then the first reverts alone`,
    async (record) => {
      const toB = { faultId: 'delay-b', scope: TO_B, netem: delay(100) };
      const toC = { faultId: 'loss-c', scope: TO_C, netem: { lossPercent: 30 } };
      const both = plan.bandsFor([toB, toC]);
      const cOnly = plan.bandsFor([toC], both);
      Object.assign(record, { faults: [toB, toC], bands: both, bandsAfterB: cOnly });
      record.tc.before = tcState();
      if (!transition(record, 'apply', [], both)) return;
      record.tc.during = tcState(DEVICE, true);
      record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
      record.udp.duringC = await counted(HOSTS.c, ECHO, COUNTED);
      if (!transition(record, 'remove-b', both, cOnly)) return;
      record.tc.cOnly = tcState(DEVICE, true);
      record.udp.cOnly = await udp(HOSTS.b, ECHO, BASE);
      record.udp.cOnlyC = await counted(HOSTS.c, ECHO, COUNTED);
      transition(record, 'revert', cOnly, []);
      record.tc.after = tcState();
      record.udp.after = await udp(HOSTS.b, ECHO, QUICK);
      record.udp.afterC = await udp(HOSTS.c, ECHO, QUICK);
    },
  );

  // Two netem qdiscs on one device, one of them duplicating. Recent kernels refuse this (a duplicate
  // re-enters the tree at the root and could loop through the other netem); record what this one does.
  await scenario(
    'duplicate-beside-delay',
    `delay 100ms to ${HOSTS.b}/32 and duplicate 50% to ${HOSTS.c}/32: two netem bands, one duplicating`,
    async (record) => {
      const toB = { faultId: 'delay-b', scope: TO_B, netem: delay(100) };
      const toC = { faultId: 'duplicate-c', scope: TO_C, netem: { duplicatePercent: 50 } };
      const bands = plan.bandsFor([toB, toC]);
      Object.assign(record, { faults: [toB, toC], bands });
      record.tc.before = tcState();
      if (transition(record, 'apply', [], bands)) {
        record.tc.during = tcState(DEVICE, true);
        record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
        record.udp.duringC = await udp(HOSTS.c, ECHO, BASE);
      } else {
        record.tc.failed = tcState(DEVICE, true);
      }
      // What the engine does after a failed change (and on revert): from the attempted bands to none.
      transition(record, 'revert', bands, []);
      record.tc.after = tcState();
      record.udp.after = await udp(HOSTS.b, ECHO, QUICK);
    },
  );

  await scenario(
    'ingress',
    `delay 100ms on traffic coming from ${HOSTS.b}/32, through an ifb device`,
    async (record) => {
      const toB = { faultId: 'delay-in-b', scope: TO_B, netem: delay(100) };
      const bands = plan.bandsFor([toB]);
      Object.assign(record, { faults: [toB], bands, ifb: IFB });
      record.tc.before = tcState();
      const setUp = apply(record, 'ingress-setup', plan.ingressSetupCommands(DEVICE, IFB), []);
      if (setUp && transition(record, 'apply', [], bands, IFB, 'src')) {
        record.tc.during = tcState(DEVICE, true);
        record.tc.duringIfb = tcState(IFB, true);
        record.udp.during = await udp(HOSTS.b, ECHO, DELAYED);
        record.udp.duringC = await udp(HOSTS.c, ECHO, BASE);
      }
      transition(record, 'revert', bands, [], IFB, 'src');
      apply(record, 'ingress-teardown', plan.ingressTeardownCommands(DEVICE, IFB), []);
      record.tc.after = tcState();
      record.ifbAfter = run(inNs('a', ['ip', 'link', 'show', 'dev', IFB])).exitCode === 0;
      record.udp.after = await udp(HOSTS.b, ECHO, QUICK);
    },
  );
}

try {
  await main();
} catch (error) {
  result.fatal = String(error?.stack ?? error);
  process.exitCode = 1;
} finally {
  result.totalMs = Math.round(performance.now() - started);
  save();
}
if (result.fatal) process.stderr.write(`${result.fatal}\n`);
