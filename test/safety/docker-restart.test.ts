import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, waitFor } from '../support/containers.js';
import { docker, TEST_LABEL } from '../support/docker-cli.js';
import {
  type CliProcess,
  freshStateDir,
  ledgerOf,
  openFaults,
  processGone,
  recoverWith,
  report,
  SafetyLab,
  snapshotOf,
  startFaultline,
  statusOf,
} from '../support/safety.js';

/**
 * The Docker daemon stops in the middle of a run (and is started again): the run must not hang, must
 * end with an honest exit code naming what it could not revert, and `faultline recover` afterwards
 * must leave nothing behind. This host's dockerd runs without live-restore, so its containers stop
 * with it. The daemon is started again the way it was started (same command line, same log), and
 * the test makes sure it is running at the end whatever happens; containers of others that were
 * running before are started again.
 *
 * It stops every container on the host for a few seconds, so it runs only when asked to:
 * FAULTLINE_TEST_RESTART_DOCKERD=1 (set by the test environment that owns its Docker daemon).
 */
const ENABLED = process.env.FAULTLINE_TEST_RESTART_DOCKERD === '1';
const lab = new SafetyLab(uniquePrefix('safety-dockerd'));
let daemon: Daemon | undefined;

interface Daemon {
  pid: number;
  argv: string[];
  cwd: string;
  log: string;
}

/** The running dockerd: its pid, command line, working folder and the file its output goes to. */
function findDockerd(): Daemon {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm !== 'dockerd') continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return {
        pid: Number(entry),
        argv,
        cwd: readlinkSync(`/proc/${entry}/cwd`),
        log: readlinkSync(`/proc/${entry}/fd/1`),
      };
    } catch {
      // A dockerd that is just exiting (the one stopped a moment ago).
    }
  }
  throw new Error('no dockerd process found: this test restarts a dockerd running on this host');
}

async function dockerAnswers(): Promise<boolean> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], {
    reject: false,
    timeout: 5000,
  });
  return result.exitCode === 0;
}

/** Starts dockerd again as it was started: in a session of its own, output appended to its log. */
async function ensureDockerd(): Promise<void> {
  if (!daemon || (await dockerAnswers())) return;
  if (processGone(daemon.pid)) {
    const log = daemon.log.startsWith('/') ? openSync(daemon.log, 'a') : 'ignore';
    const child = spawn('setsid', daemon.argv, {
      cwd: daemon.cwd,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (typeof log === 'number') closeSync(log);
  }
  await waitFor('dockerd to answer again', dockerAnswers, 60_000);
  daemon = findDockerd();
}

async function stopDockerd(): Promise<number> {
  const stopAt = Date.now();
  process.kill(daemon!.pid, 'SIGTERM');
  await waitFor('dockerd to stop', async () => processGone(daemon!.pid), 60_000);
  return Date.now() - stopAt;
}

/** Restarts dockerd with live-restore on (its containers then outlive it), unless it already has it. */
async function ensureLiveRestore(): Promise<void> {
  if ((await docker('info', '--format', '{{.LiveRestoreEnabled}}')) === 'true') return;
  const running = await docker('ps', '-q');
  await stopDockerd();
  daemon = { ...daemon!, argv: [...daemon!.argv, '--live-restore'] };
  await ensureDockerd();
  // Without live-restore they stopped with the daemon: start them again.
  for (const id of running.split('\n').filter(Boolean)) await docker('start', id).catch(() => undefined);
}

/** The daemon's command line before the tests, to start it again as it was. */
let originalArgv: string[] = [];

beforeAll(async () => {
  if (!ENABLED) return;
  daemon = findDockerd();
  originalArgv = daemon.argv;
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
    { name: 'c', service: 'c' },
  ]);
});

afterAll(async () => {
  if (!ENABLED) return;
  await ensureDockerd();
  await lab.remove();
  // Leave the daemon as it was found: without live-restore, if it had none (its networks' endpoints are
  // then cleaned as usual on the next restart).
  if (daemon && daemon.argv.join(' ') !== originalArgv.join(' ')) {
    const running = await docker('ps', '-q');
    await stopDockerd();
    daemon = { ...daemon, argv: originalArgv };
    await ensureDockerd();
    for (const id of running.split('\n').filter(Boolean)) await docker('start', id).catch(() => undefined);
  }
}, 180_000);

/** An experiment that pauses a and partitions b from c, in parallel, for `duration`. */
const pauseAndPartition = (duration: string) => [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'method:',
  '  - parallel:',
  `      - pause: { target: { service: a }, duration: ${duration} }`,
  `      - partition: { groups: [[{ service: b }], [{ service: c }]], duration: ${duration} }`,
];

describe.runIf(ENABLED)('the Docker daemon stopped mid-run (FAULTLINE_TEST_RESTART_DOCKERD=1)', () => {
  it('the run ends without hanging (exit 4, naming each fault), and `faultline recover` leaves nothing', async () => {
    const stateDir = await freshStateDir();
    const file = await lab.experiment(
      [
        ...pauseAndPartition('3s'),
        '      - bandwidth: { target: { service: c }, rate: 1mbit, duration: 3s }',
        'recovery: 2s',
      ].join('\n'),
    );
    const mine = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${lab.prefix}`);
    const others = (await docker('ps', '-q', '--filter', 'status=running'))
      .split('\n')
      .filter((id) => id && !mine.includes(id));
    let run: CliProcess | undefined;
    let runId = '';
    let stoppedMs = 0;
    let finishedMs = 0;
    try {
      run = startFaultline(['run', file], stateDir);
      runId = await run.runId();
      await run!.waitForInjected(4);

      // The run is held still while the daemon shuts down, so that its revert meets a daemon that is
      // gone (not one half-way through stopping, which may still answer): the case under test.
      run.kill('SIGSTOP');
      const stopAt = Date.now();
      process.kill(daemon!.pid, 'SIGTERM');
      await waitFor('dockerd to stop', async () => processGone(daemon!.pid), 60_000);
      stoppedMs = Date.now() - stopAt;
      run.kill('SIGCONT');
      const finished = await Promise.race([
        run.finished,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000)),
      ]);
      expect(finished, `the run hung:\n${run.text}`).toBeDefined();
      finishedMs = finished!.at - stopAt - stoppedMs;

      // Honest: no revert could be confirmed, and each fault is named with how to undo it.
      expect(run.text).toMatch(/REVERT FAILED .*cannot reach the Docker Engine/);
      expect(run.text).toMatch(/REVERT FAILED could not revert 4 fault\(s\): /);
      expect(run.text).toContain(`pause on ${lab.name('a')} (`);
      expect(run.text).toContain(`undo: docker unpause ${lab.name('a')}`);
      expect(run.text).toContain(`partition on ${lab.name('b')} (`);
      expect(run.text).toContain(`partition on ${lab.name('c')} (`);
      expect(run.text).toContain(`bandwidth on ${lab.name('c')} (`);
      expect(run.text).not.toMatch(/\n\s+at /);
      expect(finished!.exitCode).toBe(4);
      // The faults were handed to the watchdog, which keeps retrying while Docker is away: status says so.
      const status = await statusOf(stateDir);
      expect(status).toContain(`run ${runId} ended (revert-failed) but left 4 fault(s)`);
      expect(status).toContain('its watchdog is still retrying the reverts');
    } finally {
      if (run && !processGone(run.pid)) {
        run.kill('SIGCONT');
        run.kill('SIGKILL');
      }
      await ensureDockerd();
      // Containers that were running before (not this test's) were stopped with the daemon: start them.
      for (const id of others) await docker('start', id).catch(() => undefined);
    }

    // Once the daemon is back the watchdog may revert what it can; `recover` undoes whatever is left.
    const recovered = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(recovered.exitCode, recovered.output).toBe(recovered.foreignFailures.length > 0 ? 4 : 0);
    expect(recovered.ours.filter((line) => line.startsWith('FAILED'))).toEqual([]);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');

    // Nothing of faultline's is left: no paused container, no helper, no chain or qdisc anywhere.
    expect(
      await docker('ps', '-q', '--filter', 'status=paused', '--filter', `label=${TEST_LABEL}=${lab.prefix}`),
    ).toBe('');
    const ids = await docker('ps', '-aq', '--no-trunc', '--filter', `label=${TEST_LABEL}=${lab.prefix}`);
    const helpersOn = await docker(
      'ps',
      '-a',
      '--filter',
      'label=org.faultline.helper',
      '--format',
      '{{.Label "org.faultline.target-id"}}',
    );
    expect(helpersOn.split('\n').filter((id) => id && ids.includes(id))).toEqual([]);
    for (const name of lab.names) {
      const snapshot = await snapshotOf(name);
      expect(snapshot.docker).toContain('paused=false');
      expect(snapshot.netns).not.toMatch(/FL-|fa1:|flin-/);
    }
    report('dockerd stopped mid-run', {
      'dockerd took to stop (ms)': stoppedMs,
      'run ended, after the daemon was gone (ms)': finishedMs,
    });
  }, 180_000);

  it('with live-restore, an outage across the revert: the run exits 4 and hands its faults to the watchdog, which reverts them once the daemon is back', async () => {
    await ensureLiveRestore();
    // The lab's containers stopped with the daemon in the test before (it had no live-restore then).
    for (const name of lab.names) await docker('start', name);
    const stateDir = await freshStateDir();
    const file = await lab.experiment(pauseAndPartition('2s').join('\n'));
    let run: CliProcess | undefined;
    let runId = '';
    let backAt = 0;
    try {
      run = startFaultline(['run', file], stateDir, { FAULTLINE_RETRY_WINDOW: '2m' });
      runId = await run.runId();
      await run.waitForInjected(3);
      run.kill('SIGSTOP');
      await stopDockerd();
      run.kill('SIGCONT');
      const finished = await run.finished;
      expect(finished.exitCode, run.text).toBe(4);
      expect(run.text).toMatch(/the watchdog \(pid \d+\) keeps retrying for up to 2m/);
      // The daemon stays away for a while after the run has given up: 8 s in all.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect((await snapshotOf(lab.name('a')).catch(() => undefined))?.docker).toBeUndefined();
    } finally {
      if (run && !processGone(run.pid)) {
        run.kill('SIGCONT');
        run.kill('SIGKILL');
      }
      await ensureDockerd();
      backAt = Date.now();
    }
    // Nobody runs `recover`: the watchdog, still retrying, reverts everything once Docker answers.
    await waitFor(
      'the watchdog to revert the handed-over faults',
      async () => openFaults(ledgerOf(stateDir, runId)).length === 0,
      30_000,
    );
    const ledger = ledgerOf(stateDir, runId);
    const reverted = ledger.filter((entry) => entry.type === 'reverted' && entry.status === 'reverted');
    const intents = ledger.filter((entry) => entry.type === 'intent').map((entry) => entry.faultId);
    expect(intents).toHaveLength(3);
    // Every fault was really reverted, each once. The pause needs the Engine, so the watchdog undid it
    // once the daemon was back; the partitions' namespaces are reached through nsenter with the pids
    // checked at injection (each still the target's own, as /proc shows), so the run may have removed
    // them itself while the daemon was away.
    expect(reverted.map((entry) => entry.faultId).sort()).toEqual([...intents].sort());
    const pause = reverted.find((entry) => entry.faultId?.startsWith('pause'));
    expect(pause).toMatchObject({ by: 'watchdog' });
    const byWatchdog = reverted.filter((entry) => entry.by === 'watchdog');

    await waitFor(
      'the watchdog to end the run',
      async () => ledgerOf(stateDir, runId).at(-1)?.type === 'end',
      10_000,
    );
    expect(ledgerOf(stateDir, runId).at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(await statusOf(stateDir)).toBe('no active run');
    expect((await snapshotOf(lab.name('a'))).docker).toContain('paused=false');
    for (const name of [lab.name('b'), lab.name('c')])
      expect((await snapshotOf(name)).netns).not.toMatch(/FL-/);
    report('dockerd away 8 s across the revert (live-restore)', {
      'reverted by the run while the daemon was away': reverted.length - byWatchdog.length,
      'daemon back -> last watchdog revert (ms)':
        Math.max(...byWatchdog.map((entry) => Date.parse(entry.at!))) - backAt,
    });
  }, 180_000);
});
