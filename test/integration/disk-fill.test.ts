import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, uniquePrefix, waitFor } from '../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../support/docker-cli.js';
import { type CliProcess, freshStateDir, processGone, report, startFaultline } from '../support/safety.js';

/**
 * disk-fill against a real container: the fill is seen by `df` inside the target while the fault
 * holds and is gone after it, on the container's own filesystem, on a named volume (seen from a second
 * container that mounts the same volume) and on a tmpfs filled to a share of its size. Impossible
 * fills are refused before anything is written, and a fill that cannot be removed is exit 4 with
 * the command that removes it.
 */
const prefix = uniquePrefix('disk');
const target = `${prefix}-t`;
const volume = `${prefix}-vol`;
const started: CliProcess[] = [];

const MiB = 2 ** 20;

beforeAll(async () => {
  await docker('volume', 'create', '--label', `${TEST_LABEL}=${prefix}`, volume);
  await docker(
    ...['run', '-d', '--name', target, '--label', `${TEST_LABEL}=${prefix}`, '--stop-timeout', '2'],
    ...['-v', `${volume}:/data`, '--tmpfs', '/scratch:size=64m'],
    ...[FIXTURE_IMAGE, '/app/backend.mjs'],
  );
});

afterEach(() => {
  for (const run of started.splice(0)) if (!processGone(run.pid)) run.kill('SIGKILL');
});

afterAll(async () => {
  await removeTestContainers(prefix);
  await docker('volume', 'rm', '-f', volume);
});

/** `df -k` of a path inside the target: bytes used and available. */
async function df(path: string): Promise<{ used: number; available: number; percent: number }> {
  const out = await docker('exec', target, 'df', '-k', '-P', path);
  const fields = out.split('\n').at(-1)!.trim().split(/\s+/);
  return {
    used: Number(fields[2]) * 1024,
    available: Number(fields[3]) * 1024,
    percent: parseInt(fields[4]!, 10),
  };
}

/** The fill files in a directory of the target (names starting .faultline-fill-). */
async function fillFiles(dir: string): Promise<string[]> {
  const out = await docker('exec', target, 'ls', '-a', dir);
  return out.split('\n').filter((name) => name.startsWith('.faultline-fill-'));
}

async function experiment(step: string): Promise<string> {
  const text = [
    'title: disk fill',
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    'method:',
    `  - disk-fill: ${step}`,
  ].join('\n');
  return writeExperiment(await tempDir(), 'fill.yaml', text);
}

async function start(step: string, options: string[] = []): Promise<CliProcess> {
  const run = startFaultline(['run', ...options, await experiment(step)], await freshStateDir());
  started.push(run);
  return run;
}

/** Fill rate from the run's inject line: "(fallocate, 20ms, 12.7GiB/s)". */
function rateOf(run: CliProcess): string {
  return /\((fallocate|zeros), [^)]*\)/.exec(run.text)?.[0] ?? 'not printed';
}

describe('disk-fill', () => {
  it("fills the container's own /tmp by the size asked while the fault holds, and not after", async () => {
    const before = await df('/tmp');
    const run = await start(`{ target: { name: ${target} }, path: /tmp, size: 256MiB, duration: 4s }`);
    await run.waitForLine(/inject .*filled \/tmp\/\.faultline-fill-/);
    const during = await df('/tmp');
    const files = await fillFiles('/tmp');
    const du = await docker('exec', target, 'du', '-k', `/tmp/${files[0]}`);
    expect((await run.finished).exitCode).toBe(0);
    const after = await df('/tmp');
    // The filesystem is the host's, shared with whatever else runs: the fill is a lower bound.
    expect(during.used - before.used).toBeGreaterThanOrEqual(250 * MiB);
    expect(during.used - before.used).toBeLessThan(256 * MiB + 64 * MiB);
    expect(files).toHaveLength(1);
    expect(Number(du.split(/\s+/)[0]) * 1024).toBeGreaterThanOrEqual(256 * MiB);
    expect(await fillFiles('/tmp')).toEqual([]);
    expect(Math.abs(after.used - before.used)).toBeLessThan(64 * MiB);
    report('disk-fill /tmp 256MiB', {
      'df used during - before (MiB)': ((during.used - before.used) / MiB).toFixed(1),
      'df used after - before (MiB)': ((after.used - before.used) / MiB).toFixed(1),
      fill: rateOf(run),
    });
  });

  it('fills a named volume: a second container mounting the same volume sees the file', async () => {
    const run = await start(`{ target: { name: ${target} }, path: /data, size: 64MiB, duration: 4s }`);
    await run.waitForLine(/inject .*filled \/data\/\.faultline-fill-/);
    const seen = await docker(
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      '-v',
      `${volume}:/v`,
      FIXTURE_IMAGE,
      '-c',
      'du -k /v/.faultline-fill-*',
    );
    expect((await run.finished).exitCode).toBe(0);
    expect(Number(seen.split(/\s+/)[0]) * 1024).toBeGreaterThanOrEqual(64 * MiB);
    expect(await fillFiles('/data')).toEqual([]);
    report('disk-fill named volume 64MiB', { fill: rateOf(run) });
  });

  it('fills a tmpfs to the share of its size asked, and empties it after', async () => {
    const before = await df('/scratch');
    const run = await start(`{ target: { name: ${target} }, path: /scratch, percent: 90, duration: 3s }`);
    await run.waitForLine(/inject .*filled \/scratch\/\.faultline-fill-/);
    const during = await df('/scratch');
    expect((await run.finished).exitCode).toBe(0);
    const after = await df('/scratch');
    expect(during.percent).toBeGreaterThanOrEqual(90);
    expect(during.percent).toBeLessThanOrEqual(91);
    expect(after.used).toBe(before.used);
    report('disk-fill tmpfs 90%', {
      'df Use% during': during.percent,
      'after (KiB used)': after.used / 1024,
      fill: rateOf(run),
    });
  });

  it('`plan` prints the exact command and its revert, and writes nothing', async () => {
    const file = await experiment(
      `{ target: { name: ${target} }, path: /data, size: 1GiB, 'max-targets': 1 }`,
    );
    const plan = await faultline(['plan', file]);
    const fill = `"/proc/$(docker inspect -f '{{.State.Pid}}' ${target})/root/data/.faultline-fill-plan0000-disk-fill-1"`;
    expect(plan.exitCode, String(plan.all)).toBe(0);
    expect(plan.all).toContain(`fallocate -l 1.0GiB ${fill}`);
    expect(plan.all).toContain(`revert: rm -f ${fill}`);
    expect(await fillFiles('/data')).toEqual([]);
  });

  it.each([
    [
      'a path that does not exist',
      '/nope, size: 1MiB',
      /\/nope in \S+ does not exist: fill a directory the container has/,
    ],
    [
      'a size above the free space',
      '/scratch, size: 100MiB',
      /asks for 100\.0MiB but the filesystem has 6\d\.\dMiB free: ask for 6\d\.\dMiB or less, or use percent/,
    ],
    ["a share of the host's own disk", '/tmp, percent: 50', /on the Docker host's own disk .*use size/],
  ])('refuses %s before writing anything (exit 3)', async (_, where, message) => {
    const run = await start(`{ target: { name: ${target} }, path: ${where}, duration: 2s }`);
    expect((await run.finished).exitCode).toBe(3);
    expect(run.text).toMatch(message);
    expect(run.text).not.toMatch(/ {3}inject {3}/);
    for (const dir of ['/tmp', '/data', '/scratch']) expect(await fillFiles(dir)).toEqual([]);
  });

  it('is refused before anything is written when the run goes in through the target itself (--via exec)', async () => {
    const run = await start(`{ target: { name: ${target} }, path: /tmp, size: 1MiB, duration: 1s }`, [
      '--via',
      'exec',
    ]);
    expect((await run.finished).exitCode).toBe(3);
    expect(run.text).toMatch(
      /disk-fill on \S+ works only through the nsenter or helper way into its target.*nothing was injected.*--via nsenter/,
    );
    expect(await fillFiles('/tmp')).toEqual([]);
  });

  it('a fill that cannot be removed (made immutable mid-fault) ends in exit 4 with the command that removes it', async () => {
    const run = await start(`{ target: { name: ${target} }, path: /data, size: 8MiB, duration: 3s }`);
    const line = await run.waitForLine(/inject .*filled \/data\/\.faultline-fill-/);
    const file = /filled (\/data\/\.faultline-fill-\S+)/.exec(line.text)![1]!;
    const pid = await docker('inspect', '-f', '{{.State.Pid}}', target);
    const onHost = `/proc/${pid}/root${file}`;
    await execa('chattr', ['+i', onHost]);
    try {
      expect((await run.finished).exitCode).toBe(4);
      expect(run.text).toContain(`rm -f "/proc/$(docker inspect -f '{{.State.Pid}}' ${target})/root${file}"`);
      expect(run.text).toMatch(/cannot remove it: .*(EPERM|not permitted)/);
      expect(await fillFiles('/data')).toHaveLength(1);
    } finally {
      await execa('chattr', ['-i', onHost]);
    }
    // The remedy as printed, run by hand, removes it.
    await execa('sh', ['-c', `rm -f "/proc/$(docker inspect -f '{{.State.Pid}}' ${target})/root${file}"`]);
    await waitFor('the fill file removed', async () => (await fillFiles('/data')).length === 0);
  });
});
