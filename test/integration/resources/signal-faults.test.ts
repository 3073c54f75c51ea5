import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectContext } from '../../../src/faults/driver.js';
import { type ProcessRecipe, processFamily } from '../../../src/faults/process/family.js';
import type { ProcessMatch } from '../../../src/faults/process/select.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import type { Platform } from '../../../src/platform/platform.js';
import { removeTestContainers, uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { startSleeper } from '../../support/limits.js';

const client = createDockerClient();
const prefix = uniquePrefix('signal');
const ctx = {
  platform: { engine: client } as unknown as Platform,
  // The nsenter way: found with docker top, signalled from this host.
  network: () => new NetworkContext(new NsenterRunner(client)),
} satisfies InjectContext;
const undoCtx = { docker: client, runner: () => Promise.reject(new Error('no netns')) };

let name = '';
let seq = 0;
beforeEach(async () => {
  name = await startSleeper(prefix, `s${seq++}`);
});
afterAll(async () => {
  await removeTestContainers(prefix);
});

/** The container's processes (host PID and name), from docker top, lowest PID first. */
async function processes(): Promise<{ pid: number; comm: string }[]> {
  const out = await docker('top', name, '-o', 'pid,comm');
  return out
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, comm]) => ({ pid: Number(pid), comm: comm! }))
    .sort((a, b) => a.pid - b.pid);
}

/** The state letter the kernel reports in /proc/<pid>/status: T is stopped, S sleeping. */
function state(pid: number): string {
  return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
}
const states = async () => (await processes()).map((entry) => `${entry.comm}:${state(entry.pid)}`);

async function inject(signal: NodeJS.Signals, match: ProcessMatch) {
  const recipes: ProcessRecipe[] = [];
  const target = { id: await docker('inspect', '--format', '{{.Id}}', name), name };
  const fault = await processFamily.inject(
    { type: 'process', signal, match, runId: 'signal0' },
    target,
    'signal-1',
    ctx,
    (recipe) => recipes.push(recipe as ProcessRecipe),
  );
  return { fault, recipes, target };
}

describe('signal: processes inside a container, found with docker top and signalled from the host', () => {
  it('SIGSTOP of one matched process holds it stopped (T) until the revert continues it', async () => {
    const [, first, second] = await processes();
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    const { fault, recipes } = await inject('SIGSTOP', { process: 'sleep', count: 1 });
    // The lowest PID of the two sleeps is stopped; the other and the main process run on.
    expect(await states()).toEqual(['sh:S', 'sleep:T', 'sleep:S']);
    expect(fault.detail).toBe(`SIGSTOP sent to sleep[${first!.pid}]`);
    expect(recipes[0]!.stopped.map((entry) => entry.pid)).toEqual([first!.pid]);
    expect(recipes[0]!.stopped[0]!.startTicks).toBeGreaterThan(0);
    expect((await fault.revert()).detail).toBe(`continued sleep[${first!.pid}]`);
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(second!.comm).toBe('sleep');
  });

  it('all: every matching process is stopped; a pattern on the command line leaves PID 1 out', async () => {
    // "sleep 1000" is also in the main shell's command line (sh -c 'sleep 1000 & ...').
    const { fault } = await inject('SIGSTOP', { pattern: 'sleep 1000', all: true });
    expect(await states()).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
    expect((await fault.revert()).status).toBe('reverted');
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });

  it('PID 1 is signalled only when asked: the refusal says so, and pid-1: true stops it', async () => {
    await expect(inject('SIGSTOP', { process: 'sh', count: 1 })).rejects.toThrow(
      /the only process of .* named "sh" is its main process \(PID 1 in the container\): add `pid-1: true`/,
    );
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    const { fault } = await inject('SIGSTOP', { process: 'sh', count: 1, pid1: true });
    expect(await states()).toEqual(['sh:T', 'sleep:S', 'sleep:S']);
    await fault.revert();
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });

  it('no process matches: a clear error that lists the processes there are, and nothing is signalled', async () => {
    const recipes: unknown[] = [];
    const target = { id: await docker('inspect', '--format', '{{.Id}}', name), name };
    await expect(
      processFamily.inject(
        { type: 'process', signal: 'SIGSTOP', match: { process: 'nginx', count: 1 }, runId: 'signal0' },
        target,
        'x',
        ctx,
        (recipe) => recipes.push(recipe),
      ),
    ).rejects.toThrow(
      /no process of .* named "nginx" \(its processes: sh\[\d+\], sleep\[\d+\], sleep\[\d+\]\)/,
    );
    expect(recipes).toEqual([]);
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });

  it('SIGTERM is instantaneous: the process is gone, and the revert has nothing to do', async () => {
    const [, first] = await processes();
    const { fault, recipes } = await inject('SIGTERM', { process: 'sleep', count: 1 });
    expect(recipes).toEqual([{ type: 'process', signal: 'SIGTERM', stopped: [] }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const left = await processes();
    expect(left.map((entry) => entry.comm)).toEqual(['sh', 'sleep']);
    expect(left.map((entry) => entry.pid)).not.toContain(first!.pid);
    expect(await fault.revert()).toEqual({
      status: 'already-reverted',
      detail: 'nothing to undo: SIGTERM takes effect at once',
    });
  });

  it('undo from the recipe is idempotent, and never continues a process that is not the one it stopped', async () => {
    const { recipes, target } = await inject('SIGSTOP', { process: 'sleep', all: true });
    const recipe = recipes[0]!;
    // A recipe whose start time does not match (the PID now names another process) is left alone.
    const other = {
      ...recipe,
      stopped: recipe.stopped.map((entry) => ({ ...entry, startTicks: entry.startTicks + 1 })),
    };
    expect((await processFamily.undo(other, target, undoCtx)).status).toBe('target-gone');
    expect(await states()).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
    expect((await processFamily.undo(recipe, target, undoCtx)).status).toBe('reverted');
    expect(await states()).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect((await processFamily.undo(recipe, target, undoCtx)).status).toBe('already-reverted');
  });
});
