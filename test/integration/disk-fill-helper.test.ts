import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, uniquePrefix, waitFor } from '../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../support/docker-cli.js';
import {
  type CliProcess,
  freshStateDir,
  openFaults,
  processGone,
  recoverWith,
  report,
  startFaultline,
  watchdogFinished,
} from '../support/safety.js';

/**
 * disk-fill through the helper way (`--via helper`: a helper container sharing the target's process
 * namespace, no root on the Docker host needed): the fill shows in `df` inside the target and is gone
 * after the run, on the container's own filesystem and on a named volume; `plan` names the helper; a
 * SIGKILL of the runner mid-fill leaves no file and no helper; and `recover` with no ledger finds
 * planted fill files in any directory, through a helper and from the host.
 */
const prefix = uniquePrefix('disk-helper');
const target = `${prefix}-t`;
const volume = `${prefix}-vol`;
const started: CliProcess[] = [];
const HELPER = ['--via', 'helper'];
const MiB = 2 ** 20;

beforeAll(async () => {
  await docker('volume', 'create', '--label', `${TEST_LABEL}=${prefix}`, volume);
  await docker(
    ...['run', '-d', '--name', target, '--label', `${TEST_LABEL}=${prefix}`, '--stop-timeout', '2'],
    ...['-v', `${volume}:/data`, '--tmpfs', '/scratch:size=64m', FIXTURE_IMAGE, '/app/backend.mjs'],
  );
});

afterEach(() => {
  for (const run of started.splice(0)) if (!processGone(run.pid)) run.kill('SIGKILL');
});

afterAll(async () => {
  await removeTestContainers(prefix);
  await docker('volume', 'rm', '-f', volume);
});

async function df(path: string): Promise<{ used: number; percent: number }> {
  const fields = (await docker('exec', target, 'df', '-k', '-P', path))
    .split('\n')
    .at(-1)!
    .trim()
    .split(/\s+/);
  return { used: Number(fields[2]) * 1024, percent: parseInt(fields[4]!, 10) };
}

/** Fill files anywhere under the given directories of the target. */
async function fills(...dirs: string[]): Promise<string[]> {
  const out = await docker('exec', target, 'find', ...dirs, '-name', '.faultline-fill-*');
  return out.split('\n').filter(Boolean);
}

/** faultline's disk helpers for the target that still exist. */
async function diskHelpers(): Promise<string[]> {
  const out = await docker('ps', '-a', '--filter', `label=org.faultline.target-id`, '--format', '{{.Names}}');
  return out.split('\n').filter((name) => name.startsWith('faultline-disk-'));
}

async function experiment(...steps: string[]): Promise<string> {
  const text = ['title: disk fill', 'hypothesis:', '  - name: always', '    command: ["true"]', 'method:'];
  return writeExperiment(await tempDir(), 'fill.yaml', [...text, ...steps].join('\n'));
}

async function start(options: string[], ...steps: string[]): Promise<CliProcess> {
  const run = startFaultline(['run', ...options, await experiment(...steps)], await freshStateDir());
  started.push(run);
  return run;
}

const rateOf = (text: string) => /\((fallocate|zeros), [^)]*\)/.exec(text)?.[0] ?? 'not printed';

describe('disk-fill through the helper way', () => {
  it("fills the container's own /tmp: df inside the target sees it while it holds, not after", async () => {
    const before = await df('/tmp');
    const run = await start(
      HELPER,
      `  - disk-fill: { target: { name: ${target} }, path: /tmp, size: 256MiB, duration: 4s }`,
    );
    const line = await run.waitForLine(/inject .*filled \/tmp\/\.faultline-fill-/);
    const during = await df('/tmp');
    const files = await fills('/tmp');
    expect((await run.finished).exitCode).toBe(0);
    expect(line.text).toMatch(/helper faultline-disk-\w+-disk-fill-1/);
    expect(files).toHaveLength(1);
    expect(during.used - before.used).toBeGreaterThanOrEqual(250 * MiB);
    expect(await fills('/tmp')).toEqual([]);
    expect(Math.abs((await df('/tmp')).used - before.used)).toBeLessThan(64 * MiB);
    expect(await diskHelpers()).toEqual([]);
    report('disk-fill --via helper /tmp 256MiB', { fill: rateOf(line.text) });
  });

  it('fills a named volume: a second container mounting the volume sees the file', async () => {
    const run = await start(
      HELPER,
      `  - disk-fill: { target: { name: ${target} }, path: /data, size: 64MiB, duration: 4s }`,
    );
    const line = await run.waitForLine(/inject .*filled \/data\/\.faultline-fill-/);
    const during = await df('/data');
    const seen = await docker(
      ...['run', '--rm', '--entrypoint', 'sh', '-v', `${volume}:/v`, FIXTURE_IMAGE],
      ...['-c', 'du -k /v/.faultline-fill-*'],
    );
    expect((await run.finished).exitCode).toBe(0);
    expect(Number(seen.split(/\s+/)[0]) * 1024).toBeGreaterThanOrEqual(64 * MiB);
    expect(during.used).toBeGreaterThan(0);
    expect(await fills('/data')).toEqual([]);
    report('disk-fill --via helper named volume 64MiB', { fill: rateOf(line.text) });
  });

  it('`plan --via helper` names the helper that fills and the one that removes', async () => {
    const file = await experiment(`  - disk-fill: { target: { name: ${target} }, path: /data, size: 1GiB }`);
    const plan = await faultline(['plan', ...HELPER, file]);
    expect(plan.exitCode, String(plan.all)).toBe(0);
    const helper = `docker run --rm --pid container:${target} --cap-add SYS_PTRACE --network none faultline/nettools:1`;
    const fill = '"/proc/1/root/data/.faultline-fill-plan0000-disk-fill-1"';
    expect(plan.all).toContain(`${helper} fallocate -l 1.0GiB ${fill}`);
    expect(plan.all).toContain(`revert: ${helper} rm -f ${fill}`);
    expect(await fills('/data')).toEqual([]);
  });

  it('fills a tmpfs to the share of its size asked, measured from inside the target', async () => {
    const run = await start(
      HELPER,
      `  - disk-fill: { target: { name: ${target} }, path: /scratch, percent: 90, duration: 3s }`,
    );
    await run.waitForLine(/inject .*filled \/scratch\/\.faultline-fill-/);
    const during = await df('/scratch');
    expect((await run.finished).exitCode).toBe(0);
    expect(during.percent).toBeGreaterThanOrEqual(90);
    expect(during.percent).toBeLessThanOrEqual(91);
    expect((await df('/scratch')).used).toBe(0);
  });

  it("refuses a share of a named volume on the Docker host's disk, as from the host (exit 3)", async () => {
    const run = await start(
      HELPER,
      `  - disk-fill: { target: { name: ${target} }, path: /data, percent: 50 }`,
    );
    expect((await run.finished).exitCode).toBe(3);
    expect(run.text).toMatch(/on the Docker host's own disk .*use size/);
    expect(await fills('/data')).toEqual([]);
  });

  it('refuses a path that does not exist with the same message as from the host (exit 3)', async () => {
    const run = await start(
      HELPER,
      `  - disk-fill: { target: { name: ${target} }, path: /nope, size: 1MiB }`,
    );
    expect((await run.finished).exitCode).toBe(3);
    expect(run.text).toMatch(/\/nope in \S+ does not exist: fill a directory the container has/);
    expect(await diskHelpers()).toEqual([]);
  });

  it('a SIGKILL of the runner while its helper fills leaves no file and no helper once the watchdog is done', async () => {
    const stateDir = await freshStateDir();
    const step = `  - disk-fill: { target: { name: ${target} }, path: /data, size: 512MiB, duration: 30s }`;
    const run = startFaultline(['run', ...HELPER, await experiment(step)], stateDir);
    started.push(run);
    const [watchdogPid, runId] = [await run.watchdogPid(), await run.runId()];
    const helper = `faultline-disk-${runId}-disk-fill-1`;
    await waitFor(`the fill helper ${helper}`, async () => (await diskHelpers()).includes(helper), 30_000);
    const killedAt = run.kill('SIGKILL');
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt, 60_000);
    expect(openFaults(ledger)).toEqual([]);
    expect(await fills('/data')).toEqual([]);
    expect(await diskHelpers()).toEqual([]);
    report('disk-fill --via helper: SIGKILL mid-fill -> removed by the watchdog', { ms: lastRevertMs });
  });

  it('a fill that cannot be removed ends in exit 4 with the helper command that removes it', async () => {
    const run = await start(
      HELPER,
      `  - disk-fill: { target: { name: ${target} }, path: /data, size: 8MiB, duration: 3s }`,
    );
    const line = await run.waitForLine(/inject .*filled \/data\/\.faultline-fill-/);
    const file = /filled (\/data\/\.faultline-fill-\S+)/.exec(line.text)![1]!;
    const onHost = `/proc/${await docker('inspect', '-f', '{{.State.Pid}}', target)}/root${file}`;
    await execa('chattr', ['+i', onHost]);
    let remedy: string;
    try {
      expect((await run.finished).exitCode).toBe(4);
      expect(run.text).toMatch(/cannot remove it: .*(EPERM|not permitted)/);
      remedy = /(docker run --rm --pid container:\S+ .* node -e '[^']*')/.exec(run.text)![1]!;
      expect(remedy).toContain(`/proc/1/root${file}`);
      expect(await fills('/data')).toHaveLength(1);
    } finally {
      await execa('chattr', ['-i', onHost]);
    }
    // The remedy as printed, run by hand, removes it.
    await execa('sh', ['-c', remedy]);
    expect(await fills('/data')).toEqual([]);
    // The watchdog took over the fault the run could not revert and retries it, each try through a
    // remove helper of its own: once the file is gone its next try ends, and no helper is left.
    await waitFor('the watchdog to end its retries', async () => (await diskHelpers()).length === 0, 60_000);
  });
});

describe('recover with no ledger', () => {
  const planted = [
    '/tmp/.faultline-fill-deadbeef-disk-fill-1',
    '/data/.faultline-fill-deadbeef-disk-fill-2',
    '/var/lib/app/deep/.faultline-fill-deadbeef-disk-fill-3',
  ];

  async function plant(): Promise<void> {
    const writes = planted.map((file) => `head -c 4096 /dev/zero > ${file}`).join(' && ');
    await docker('exec', target, 'sh', '-c', `mkdir -p /var/lib/app/deep && ${writes}`);
    expect(await fills('/tmp', '/data', '/var')).toHaveLength(3);
  }

  it.each([
    ['through a helper (--via helper)', { FAULTLINE_VIA: 'helper' }],
    ['from the host (--via nsenter)', { FAULTLINE_VIA: 'nsenter' }],
  ])(
    'finds fill files in any directory of the target and its volumes, %s, and removes them',
    async (_, env) => {
      await plant();
      const recovered = await recoverWith(await freshStateDir(), [target], env);
      const ours = recovered.ours.join('\n');
      for (const file of planted)
        expect(ours).toMatch(new RegExp(`reverted +fill file ${file} in ${target}`));
      expect(await fills('/tmp', '/data', '/var')).toEqual([]);
      expect(await diskHelpers()).toEqual([]);
    },
  );
});
