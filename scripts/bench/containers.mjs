// The bench's containers for the growth sections: N fixture containers (a node backend on port 8080) on
// one user-defined network, made with a bounded number of `docker run`s at once, the first half compose
// service g1 and the second g2 of compose project PROJECT, all labelled as the bench's; and the checks
// that a fault held and that its revert left nothing: TCP connects between them, the containers' states,
// and what iptables-save shows in every namespace.

import { randomBytes } from 'node:crypto';
import {
  checkInterrupted,
  docker,
  IMAGE,
  LABEL,
  NAME_PREFIX,
  pool,
  removeBenchContainers,
  run,
  sleep,
} from './common.mjs';

export const PROJECT = 'faultline-bench';
/** Its own name each run: a network the Engine would not let go of stays out of the next run's way. */
export const NETWORK = `faultline-bench-net-${randomBytes(3).toString('hex')}`;
const PORT = 8080;
export const CUT_TIMEOUT_MS = 1000;
const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
const IP_FORMAT = `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`;
/** How many `docker run`s are in flight at once while the containers are made (2 cores, 100 containers). */
const CREATE_CONCURRENCY = 6;

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

/** N containers, the first half compose service g1, the second g2, all in compose project PROJECT. */
function layout(n) {
  const half = n / 2;
  return Array.from({ length: n }, (_, i) => {
    const group = i < half ? 1 : 2;
    const index = group === 1 ? i + 1 : i - half + 1;
    return { name: `${NAME_PREFIX}g${group}-${String(index).padStart(2, '0')}`, service: `g${group}`, group };
  });
}

export async function createContainers(n) {
  await removeBenchContainers();
  const specs = layout(n);
  await pool(specs, CREATE_CONCURRENCY, (spec) => {
    checkInterrupted();
    return docker(
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
    );
  });
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
  const deadline = Date.now() + 60_000;
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

/** What is left in a container's namespace: FL- chains, and DROP rules in the filter table. */
export async function leftovers(containers) {
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
export async function checkCut(containers) {
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
export async function checkRestored(containers) {
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

/** While paused: every container is paused. After the revert: every one runs and is not paused. */
export async function pausedStates(containers) {
  const out = await docker('inspect', '-f', '{{.State.Status}}', ...containers.map((c) => c.name));
  const states = out.split('\n').map((text) => text.trim());
  const count = (state) => states.filter((s) => s === state).length;
  return { paused: count('paused'), running: count('running'), of: containers.length };
}
