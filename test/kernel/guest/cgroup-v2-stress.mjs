// Runs inside the user-mode-linux guest (scripts/uml/run-in-uml.sh). It switches the guest to cgroup v2,
// starts a Docker Engine there (scripts/uml/docker-v2.sh), starts a target container, and checks that a
// stress helper which joins the target's cgroup (through /proc/1/cgroup of the shared pid namespace and
// the Engine host's /sys/fs/cgroup) puts its load on the target's cgroup; then runs `faultline run` with
// cpu-stress and memory-stress steps. Everything measured goes to result.json in the work directory;
// test/kernel/cgroup-v2-stress.test.ts judges it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const workdir = process.env.FAULTLINE_UML_WORKDIR ?? process.argv[2];
if (!workdir) throw new Error('no work directory: set FAULTLINE_UML_WORKDIR');
const ENGINE = '/run/faultline-docker-v2';
process.env.DOCKER_HOST = `unix://${ENGINE}/docker.sock`;
process.env.DOCKER_CONFIG = `${ENGINE}/config`;
process.env.TMPDIR = `${ENGINE}/tmp`;
// The guest sees the host's disk: faultline's ledgers and locks must stay on the guest's tmpfs, where
// the host's own `faultline status` and `recover` never read them.
process.env.FAULTLINE_STATE_DIR = `${ENGINE}/state`;
const TARGET = 'flt-v2-target';
const TARGET_IMAGE = 'flt-v2-busybox:1';
const MiB = 1024 * 1024;
/** faultline/stress:1 holds stress-ng and its libraries only: the by-hand helper borrows busybox's sh. */
const BUSYBOX = `${ENGINE}/busybox-rootfs/bin/busybox`;
const MEMORY_ASKED = 128 * MiB;
/** Percent of a core faultline's cpu-stress asks for: the guest's one CPU is shared with its Engine. */
const CPU_LOAD = 50;
/** How long faultline's method holds each fault once it is in place, before the next step. */
const MEMORY_HOLD_S = 30;
const CPU_HOLD_S = 15;

/** The helper's entry: join the cgroup of the target's first process, then become stress-ng. */
const JOIN_ENTRY =
  'while read -r line; do case $line in 0::*) p=${line#0::};; esac; done </proc/1/cgroup; ' +
  'echo $$ >"/faultline-cgroup$p/cgroup.procs" || exit 97; exec stress-ng "$@"';

const result = { steps: {}, timings: {} };
const started = performance.now();
const save = () => writeFileSync(join(workdir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const since = (t) => Math.round(performance.now() - t);

function sh(argv, options = {}) {
  const run = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...options });
  return { code: run.status, stdout: (run.stdout ?? '').trim(), stderr: (run.stderr ?? '').trim() };
}
function docker(...args) {
  const run = sh(['docker', ...args]);
  if (run.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return run.stdout;
}

let cgroup = '';
const read = (file) => readFileSync(join(cgroup, file), 'utf8');
const usageUsec = () => Number(/usage_usec (\d+)/.exec(read('cpu.stat'))[1]);
const memoryCurrent = () => Number(read('memory.current'));
const procs = () => read('cgroup.procs').split('\n').filter(Boolean).map(Number);
/** Every stress-ng process the guest's kernel knows of, with its state (R, S, Z...) and parent. */
function stressProcesses() {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm.startsWith('stress-ng')) found.push({ pid: Number(pid), state, ppid: Number(ppid) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Busy and total CPU ticks of the whole guest (its one CPU), from /proc/stat. */
function guestTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Cores the target's cgroup used over `ms`, and the share of the guest's CPU everything else used
 * meanwhile (the guest has one CPU, which its Engine and this script share with the target).
 */
async function coresOver(ms) {
  const u0 = usageUsec();
  const g0 = guestTicks();
  const t0 = performance.now();
  await sleep(ms);
  const cores = (usageUsec() - u0) / ((performance.now() - t0) * 1000);
  const g1 = guestTicks();
  const busy = (g1.busy - g0.busy) / Math.max(1, g1.total - g0.total);
  return { cores, others: Math.max(0, busy - cores) };
}

/** Runs one part, saying when it starts and ends in guest.log and keeping what was measured so far. */
async function phase(name, part) {
  const t = performance.now();
  console.log(`${(since(started) / 1000).toFixed(1)}s ${name}...`);
  try {
    await part();
  } finally {
    result.timings[`${name.replace(' ', '')}PhaseMs`] = since(t);
    console.log(`${(since(started) / 1000).toFixed(1)}s ${name} done (${(since(t) / 1000).toFixed(1)} s)`);
    save();
  }
}

async function until(what, check, timeoutMs) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (check()) return since(t0);
    await sleep(100);
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`);
}

/** Memory of the target's cgroup once it has stopped growing (or `timeoutMs` passed). */
async function settledMemory(floor, timeoutMs) {
  const t0 = performance.now();
  let last = memoryCurrent();
  while (performance.now() - t0 < timeoutMs) {
    await sleep(500);
    const now = memoryCurrent();
    if (now >= floor && Math.abs(now - last) < MiB) return now;
    last = now;
  }
  return memoryCurrent();
}

/** Waits until a helper's process is in the target's cgroup; says what became of the helper when not. */
async function joined(name, own) {
  try {
    return await until(`${name} in the target's cgroup`, () => procs().length > own.length, 30_000);
  } catch (error) {
    const state = sh(['docker', 'ps', '-a', '--filter', `name=${name}`, '--format', '{{.Status}}']).stdout;
    const logs = sh(['docker', 'logs', name]);
    throw new Error(`${error.message} (helper: ${state}; its output: ${logs.stdout} ${logs.stderr})`);
  }
}

function helper(name, stressArgs) {
  return docker(
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'none',
    '--pid',
    `container:${TARGET}`,
    '--cgroupns',
    'host',
    '-v',
    '/sys/fs/cgroup:/faultline-cgroup:rw',
    '-v',
    `${BUSYBOX}:/faultline-bin/busybox:ro`,
    '--entrypoint',
    '/faultline-bin/busybox',
    'faultline/stress:1',
    'sh',
    '-c',
    JOIN_ENTRY,
    'stress-helper',
    ...stressArgs,
  );
}

/** The stress image as faultline makes it: from this host's stress-ng, imported without a registry. */
async function makeStressImage() {
  const { createDockerClient } = await import(
    pathToFileURL(join(root, 'dist/docker/dockerode-client.js')).href
  );
  const { ensureStressImage } = await import(
    pathToFileURL(join(root, 'dist/platform/docker/stress-image/ensure.js')).href
  );
  await ensureStressImage(createDockerClient());
}

function shAsync(command, args) {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

async function startEngine() {
  let t = performance.now();
  const engine = sh(['bash', join(root, 'scripts/uml/docker-v2.sh'), ENGINE], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (engine.code !== 0) throw new Error(`the Engine did not start: ${engine.stderr}`);
  result.timings.dockerdMs = since(t);
  result.engine = JSON.parse(docker('info', '--format', '{{json .}}'));
  result.engine = {
    cgroupVersion: result.engine.CgroupVersion,
    cgroupDriver: result.engine.CgroupDriver,
    storageDriver: result.engine.Driver,
    serverVersion: result.engine.ServerVersion,
  };
  result.subtreeControl = readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').trim();

  // The target's small busybox image and the stress image are made side by side.
  t = performance.now();
  const stressImage = makeStressImage();
  const rootfs = `${ENGINE}/busybox-rootfs`;
  mkdirSync(`${rootfs}/bin`, { recursive: true });
  sh(['cp', sh(['sh', '-c', 'command -v busybox']).stdout, `${rootfs}/bin/busybox`]);
  for (const applet of ['sh', 'sleep', 'cat']) sh(['ln', '-sf', 'busybox', `${rootfs}/bin/${applet}`]);
  const imported = await shAsync('sh', [
    '-c',
    `tar -C ${rootfs} -c . | docker import -c 'ENV PATH=/bin' - ${TARGET_IMAGE}`,
  ]);
  if (imported.code !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
  const run = await shAsync('docker', [
    'run',
    '-d',
    '--name',
    TARGET,
    '--network',
    'none',
    TARGET_IMAGE,
    'sleep',
    '100000',
  ]);
  if (run.code !== 0) throw new Error(`the target did not start: ${run.stderr}`);
  const id = run.stdout;
  result.timings.targetMs = since(t);
  await stressImage;
  result.timings.imagesMs = since(t);
  cgroup = `/sys/fs/cgroup/docker/${id}`;
  result.target = { name: TARGET, id, cgroup, procs: procs() };
}

/** By hand, with the docker CLI: the join, its CPU and memory, and what a SIGKILL of the helper leaves. */
async function byHand() {
  const step = {};
  result.steps.byHand = step;
  const own = procs();
  step.idleCores = (await coresOver(1000)).cores;

  helper('flt-v2-cpu', ['--cpu', '1', '--cpu-load', '100', '--timeout', '60s']);
  step.cpuJoinedMs = await joined('flt-v2-cpu', own);
  step.procsDuringCpu = procs();
  await sleep(1000);
  const loaded = await coresOver(3000);
  step.cpuCores = loaded.cores;
  step.othersDuringCpu = loaded.others;
  // A revert's way: SIGTERM (stress-ng stops and reaps its workers), then removal.
  step.stopExit = sh(['docker', 'stop', '-t', '5', 'flt-v2-cpu']).code;
  await sleep(500);
  step.stressAfterStop = stressProcesses();
  docker('rm', '-f', 'flt-v2-cpu');
  step.procsAfterCpu = procs();
  step.coresAfterCpu = (await coresOver(1000)).cores;

  const before = memoryCurrent();
  step.memoryBefore = before;
  helper('flt-v2-memory', [
    '--vm',
    '1',
    '--vm-bytes',
    String(MEMORY_ASKED),
    '--vm-keep',
    '--vm-hang',
    '0',
    '--vm-method',
    'write64',
    '--timeout',
    '60s',
  ]);
  step.memoryAsked = MEMORY_ASKED;
  step.memoryDuring = await settledMemory(before + MEMORY_ASKED * 0.95, 30_000);
  step.procsDuringMemory = procs();
  const kill = sh(['docker', 'kill', 'flt-v2-memory']);
  step.killExit = kill.code;
  await until('the killed helper gone', () => procs().length === own.length, 10_000).catch(() => undefined);
  await sleep(500);
  step.procsAfterKill = procs();
  step.stressAfterKill = stressProcesses();
  step.memoryAfterKill = memoryCurrent();
  docker('rm', '-f', 'flt-v2-memory');
  step.targetProcs = own;
}

/**
 * `faultline run` (bin/, dist/) of one method step, measured from the target's cgroup once
 * `helperProcesses` more processes are in it.
 */
async function faultline(name, stepYaml, helperProcesses, measure) {
  const file = join(`${ENGINE}/tmp`, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `title: ${name} on a cgroup v2 Engine`,
      'hypothesis:',
      '  - name: target runs',
      `    container: { target: { name: ${TARGET} } }`,
      '    every: 1s',
      'method:',
      `  - ${stepYaml}`,
    ].join('\n'),
  );
  const own = procs();
  // A zombie of the by-hand SIGKILL check may linger below the target's PID 1: only new ones count.
  const earlier = new Set(stressProcesses().map((found) => found.pid));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/faultline.js'), 'run', file], {
    cwd: `${ENGINE}/tmp`,
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((done) => child.on('close', (code) => done(code)));
  const step = { name };
  try {
    step.joinedMs = await until(
      `${name}: the helpers in the target cgroup`,
      () => procs().length >= own.length + helperProcesses,
      90_000,
    );
    Object.assign(step, await measure());
  } catch (error) {
    step.error = String(error);
  }
  step.exitCode = await exited;
  step.ms = since(t0);
  step.output = output;
  await sleep(500);
  step.procsAfter = procs();
  step.targetProcs = own;
  step.stressAfter = stressProcesses().filter((found) => !earlier.has(found.pid));
  step.containersAfter = docker('ps', '-a', '--format', '{{.Names}}').split('\n').filter(Boolean);
  result.steps[name] = step;
}

async function withFaultline() {
  const cgroupCode = readFileSync(join(root, 'dist/faults/stress/cgroup.js'), 'utf8');
  if (!cgroupCode.includes('cgroup.procs')) {
    result.faultline = {
      skipped: "faultline's stress faults do not join the target's cgroup on cgroup v2 yet",
    };
    return;
  }
  result.faultline = { ran: true };
  const before = memoryCurrent();
  // Both held (no duration) while the method waits: a helper takes tens of seconds to start in the
  // guest, and a duration counts from the start of the call. Memory first: once its worker has touched
  // its pages it sleeps, so the CPU measured afterwards is the cpu-stress helper's alone.
  await faultline(
    'stress',
    [
      `memory-stress: { target: { name: ${TARGET} }, size: 128MiB }`,
      `  - wait: ${MEMORY_HOLD_S}s`,
      `  - cpu-stress: { target: { name: ${TARGET} }, workers: 1, load: ${CPU_LOAD} }`,
      `  - wait: ${CPU_HOLD_S}s`,
    ].join('\n'),
    // stress-ng, its worker and the worker's child for the memory.
    3,
    async () => {
      const memoryDuring = await settledMemory(before + MEMORY_ASKED * 0.95, (MEMORY_HOLD_S - 2) * 1000);
      // Then stress-ng and its worker for the CPU.
      const own = result.target.procs.length;
      await until('the cpu-stress helper in the target cgroup', () => procs().length >= own + 5, 90_000);
      await sleep(1000);
      const { cores, others } = await coresOver(3000);
      return {
        memoryBefore: before,
        memoryAsked: MEMORY_ASKED,
        memoryDuring,
        cores,
        others,
        coresAsked: CPU_LOAD / 100,
      };
    },
  );
  result.steps.stress.memoryAfter = memoryCurrent();
}

try {
  for (const need of ['dist/faults/stress/cgroup.js', 'bin/faultline.js']) {
    if (!existsSync(join(root, need))) throw new Error(`${need} is missing: run \`npm run build\` first`);
  }
  await phase('engine', startEngine);
  await phase('by hand', byHand);
  await phase('faultline', withFaultline);
  docker('rm', '-f', TARGET);
  result.containersAtEnd = docker('ps', '-a', '--format', '{{.Names}}').split('\n').filter(Boolean);
} catch (error) {
  result.fatal = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
result.timings.guestMs = since(started);
save();
// The guest powers off next; stop the Engine first so nothing writes to the host's disk meanwhile.
sh(['sh', '-c', `kill "$(cat ${ENGINE}/docker.pid)" 2>/dev/null`]);
process.exit(0);
