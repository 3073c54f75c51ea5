import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultlineStep, GuestResult, StressProcess } from './support/cgroup-v2-result.js';
import { fmt, pct } from './support/stats.js';
import { processGroupAlive, runInUml, type UmlRun } from './support/uml.js';

/**
 * Stress faults on a real cgroup v2 Docker Engine: this host's kernel is cgroup v1 only, so the Engine
 * runs inside Debian's user-mode Linux (scripts/uml/docker-v2.sh mounts cgroup2 there and starts
 * dockerd on the guest's tmpfs). The guest script (guest/cgroup-v2-stress.mjs) starts a target, checks
 * by hand with the docker CLI that a helper which joins the target's cgroup puts its load there, then
 * runs `faultline run` with a cpu-stress and a memory-stress step, measuring the target's cgroup
 * meanwhile. Each test below judges a part of its result.json.
 */
const GUEST = fileURLToPath(new URL('./guest/cgroup-v2-stress.mjs', import.meta.url));
/**
 * About two minutes on an idle 2-core machine; the guest has one CPU and every Docker call in it is
 * slow, so a busy host stretches it a lot (four minutes and more were seen with a load average of 18).
 */
const GUEST_TIMEOUT_S = 480;
const MiB = 1024 * 1024;
/** A CPU step must show at least 90% of the core it asked for in the target's cpu.stat. */
const MIN_CPU_SHARE = 0.9;
/** The target's memory.current grows by what was asked, within 5% (stress-ng's own pages count too). */
const MEMORY_TOLERANCE = 0.05;

function umlInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "${LINUX_UML:-linux.uml}"'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const haveUml = umlInstalled();
if (!haveUml) {
  console.log(
    '[kernel] cgroup v2 stress: skipped, linux.uml is not installed (sudo apt-get install -y user-mode-linux, or bash scripts/setup-host.sh)',
  );
}

let workdir = '';
let run: UmlRun | undefined;
let result: GuestResult;
let failed = false;

const log = (line: string) => console.log(`[kernel] cgroup v2: ${line}`);
const mib = (bytes: number) => `${fmt(bytes / MiB)} MiB`;

describe.skipIf(!haveUml)('stress faults on a cgroup v2 Engine (user-mode Linux)', () => {
  beforeAll(
    async () => {
      workdir = await mkdtemp(join(tmpdir(), 'faultline-kernel-v2-'));
      run = await runInUml({
        script: GUEST,
        workdir,
        modules: ['overlay'],
        timeoutSeconds: GUEST_TIMEOUT_S,
        memory: '1G',
      });
      result = JSON.parse(await readFile(join(workdir, 'result.json'), 'utf8')) as GuestResult;
      const t = result.timings;
      const s = (ms: number | undefined) => `${fmt((ms ?? 0) / 1000)} s`;
      log(
        `dockerd ready ${s(t.dockerdMs)}, images and target ${s(t.imagesMs)}, Engine part ${s(t.enginePhaseMs)}, ` +
          `by-hand part ${s(t.byhandPhaseMs)}, faultline part ${s(t.faultlinePhaseMs)}; guest script ${s(t.guestMs)}, ` +
          `whole run ${s(run.durationMs)} (boot and power-off ${s(run.durationMs - t.guestMs)})`,
      );
    },
    (GUEST_TIMEOUT_S + 40) * 1000,
  );

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    if (!workdir) return;
    if (failed || !run) {
      console.log(`[kernel] kept ${workdir} (result.json, guest.log, console.log) for inspection`);
    } else {
      await rm(workdir, { recursive: true, force: true });
    }
  });

  it('boots a Docker Engine on cgroup v2 with the cgroupfs driver', () => {
    expect(result.fatal, 'the guest script failed').toBeUndefined();
    log(`Engine ${JSON.stringify(result.engine)}, root subtree_control "${result.subtreeControl}"`);
    expect(result.engine.cgroupVersion).toBe('2');
    expect(result.engine.cgroupDriver).toBe('cgroupfs');
    expect(result.subtreeControl.split(' ')).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids', 'io']));
    expect(result.target.cgroup).toMatch(/^\/sys\/fs\/cgroup\/docker\/[0-9a-f]{64}$/);
  });

  it('by hand: a helper that joins the target cgroup loads its CPU, and a SIGTERM leaves nothing', () => {
    const step = result.steps.byHand;
    expect(step, 'the by-hand check did not run').toBeDefined();
    log(
      `by hand, stress-ng --cpu 1: ${fmt(step.cpuCores, 3)} cores in the target's cpu.stat ` +
        `(rest of the guest ${fmt(step.othersDuringCpu, 3)}; idle before ${fmt(step.idleCores, 3)}, after removal ${fmt(step.coresAfterCpu, 3)}); ` +
        `cgroup.procs during ${step.procsDuringCpu.join(',')}, after ${step.procsAfterCpu.join(',')}`,
    );
    expect(step.procsDuringCpu.length).toBeGreaterThan(step.targetProcs.length);
    // The guest has one CPU, shared with its Engine: the helper must get 90% of what the rest left.
    expect(step.cpuCores).toBeGreaterThanOrEqual(MIN_CPU_SHARE * (1 - step.othersDuringCpu));
    expect(step.coresAfterCpu).toBeLessThan(0.05);
    expect(step.stopExit).toBe(0);
    expect(step.procsAfterCpu).toEqual(step.targetProcs);
    expect(step.stressAfterStop).toEqual([]);
  });

  it('by hand: its memory lands in the target and a SIGKILL leaves no stress process in the cgroup', () => {
    const step = result.steps.byHand;
    const grown = step.memoryDuring - step.memoryBefore;
    log(
      `by hand, --vm-bytes ${mib(step.memoryAsked)}: memory.current ${mib(step.memoryBefore)} -> ` +
        `${mib(step.memoryDuring)} (+${pct(grown / step.memoryAsked - 1)} of asked), after docker kill ` +
        `${mib(step.memoryAfterKill)}; cgroup.procs after kill ${step.procsAfterKill.join(',')}; ` +
        `stress-ng left in the guest: ${describeProcesses(step.stressAfterKill)}`,
    );
    expect(Math.abs(grown / step.memoryAsked - 1)).toBeLessThanOrEqual(MEMORY_TOLERANCE);
    expect(step.killExit).toBe(0);
    expect(step.procsAfterKill).toEqual(step.targetProcs);
    expect(step.memoryAfterKill - step.memoryBefore).toBeLessThan(4 * MiB);
    // A worker whose parent was SIGKILLed dies too (stress-ng's parent-death signal), but it is
    // reparented to the target's PID 1, which may never reap it: only zombies may be left.
    expect(step.stressAfterKill.filter((process) => process.state !== 'Z')).toEqual([]);
  });

  describe('faultline run with memory-stress, then cpu-stress, both held', () => {
    const step = (): FaultlineStep => {
      if (result.faultline?.skipped) throw new Error(`faultline did not run: ${result.faultline.skipped}`);
      const found = result.steps.stress;
      if (!found) throw new Error(`faultline did not run (see result.json in ${workdir})`);
      return found;
    };
    /** The run's measurements, once it passed and they were taken. */
    const measured = (): FaultlineStep => {
      const found = step();
      const last = found.output.trim().split('\n').at(-1) ?? '';
      if (found.exitCode !== 0) throw new Error(`faultline run ended with exit ${found.exitCode}: ${last}`);
      if (found.error) throw new Error(`the measurement failed: ${found.error}`);
      return found;
    };

    it('passes its hypothesis, reverts, and leaves no stress process or helper behind', () => {
      const found = step();
      log(
        `faultline run: exit ${found.exitCode} in ${fmt(found.ms / 1000)} s, helpers in the target's cgroup ` +
          `${fmt((found.joinedMs ?? 0) / 1000)} s after the start; output:\n${found.output}`,
      );
      expect(found.exitCode, `faultline run said:\n${found.output}`).toBe(0);
      expect(found.error, `measuring failed; faultline said:\n${found.output}`).toBeUndefined();
      expect(found.procsAfter).toEqual(found.targetProcs);
      expect(found.stressAfter).toEqual([]);
      expect(found.containersAfter).toEqual([result.target.name]);
    });

    it('cpu-stress puts >= 90% of the asked CPU in the target cgroup', () => {
      const found = measured();
      const asked = found.coresAsked ?? 1;
      log(
        `faultline cpu-stress load ${fmt(asked * 100, 0)}: ${fmt(found.cores, 3)} cores in the target's cpu.stat ` +
          `(${pct((found.cores ?? 0) / asked)} of asked; the rest of the guest ${fmt(found.others, 3)})`,
      );
      expect(found.cores ?? 0).toBeGreaterThanOrEqual(MIN_CPU_SHARE * asked);
    });

    it('memory-stress grows the target cgroup by the asked size, and it is given back after', () => {
      const found = measured();
      const before = found.memoryBefore ?? 0;
      const asked = found.memoryAsked ?? 1;
      const grown = (found.memoryDuring ?? 0) - before;
      log(
        `faultline memory-stress ${mib(asked)}: memory.current ${mib(before)} -> ${mib(found.memoryDuring ?? 0)} ` +
          `(${pct(grown / asked - 1)} off), after the run ${mib(found.memoryAfter ?? 0)}`,
      );
      expect(Math.abs(grown / asked - 1)).toBeLessThanOrEqual(MEMORY_TOLERANCE);
      expect((found.memoryAfter ?? Number.POSITIVE_INFINITY) - before).toBeLessThan(4 * MiB);
    });
  });

  it('leaves no container in the guest Engine and no process of the kernel on this host', () => {
    expect(result.containersAtEnd).toEqual([]);
    if (run?.pid) expect(processGroupAlive(run.pid)).toBe(false);
  });
});

function describeProcesses(list: StressProcess[]): string {
  return list.length === 0
    ? 'none'
    : list.map((p) => `${p.pid} (state ${p.state}, parent ${p.ppid})`).join(', ');
}
