import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectContext } from '../../../src/faults/driver.js';
import { type ProcessRecipe, processFamily } from '../../../src/faults/process/family.js';
import type { ProcessMatch } from '../../../src/faults/process/select.js';
import { HelperRunner, NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import type { Platform } from '../../../src/platform/platform.js';
import { removeTestContainers, uniquePrefix } from '../../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../../support/docker-cli.js';
import { processStates, startSleeper } from '../../support/limits.js';
import { containersIn, proxyHelperImage, removeImage } from '../proxy/http-client.js';

/**
 * Signal steps through the helper way, on real containers: a short-lived helper container from the
 * helper image (busybox's sh) shares the target's PID namespace, lists its processes from /proc and
 * signals them. This host's /proc is read only to see what a user would see (state T is stopped).
 */
const client = createDockerClient();
const prefix = uniquePrefix('signal-helper');
const runId = `sh${prefix.slice(-6)}`;
let image = '';
let sleepers = '';
let sleepersId = '';
let seq = 0;

const platform = { engine: client } as unknown as Platform;
const helperCtx = (): InjectContext => ({
  platform,
  network: () => new NetworkContext(new HelperRunner(client, image, runId)),
});
const nsenterCtx: InjectContext = { platform, network: () => new NetworkContext(new NsenterRunner(client)) };
const undoCtx = { docker: client, runner: () => Promise.reject(new Error('no netns')) };

beforeAll(async () => {
  image = await proxyHelperImage(prefix);
  sleepers = await startSleeper(prefix, 'sleepers');
  sleepersId = await docker('inspect', '--format', '{{.Id}}', sleepers);
});
afterAll(async () => {
  await removeTestContainers(prefix);
  if (image) await removeImage(image);
});

/** A container whose main shell runs `sleep 1000` and `sleep 10000` (same name, other command line). */
async function startSiblings(): Promise<string> {
  const name = `${prefix}-siblings${seq++}`;
  await docker(
    ...['run', '-d', '--name', name, '--label', `${TEST_LABEL}=${prefix}`, '--entrypoint', 'sh'],
    ...[FIXTURE_IMAGE, '-c', 'sleep 1000 & sleep 10000 & wait'],
  );
  return name;
}

/** The host's /proc/<pid>/stat start time of each of the container's processes, lowest host PID first. */
async function hostStartTicks(name: string): Promise<number[]> {
  const out = await docker('top', name, '-o', 'pid');
  return out
    .split('\n')
    .slice(1)
    .map(Number)
    .sort((a, b) => a - b)
    .map((pid) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    });
}

async function inject(name: string, signal: NodeJS.Signals, match: ProcessMatch, ctx = helperCtx()) {
  const recipes: ProcessRecipe[] = [];
  const target = { id: await docker('inspect', '--format', '{{.Id}}', name), name };
  const started = performance.now();
  const fault = await processFamily.inject(
    { type: 'process', signal, match, runId },
    target,
    `signal-${++seq}`,
    ctx,
    (recipe) => recipes.push(recipe as ProcessRecipe),
  );
  return { fault, recipes, target, injectMs: performance.now() - started };
}

describe('signal through the helper way: a helper container in the target PID namespace', () => {
  it('SIGSTOP holds the lowest matching process stopped (T on the host) until the revert continues it', async () => {
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    const { fault, recipes } = await inject(sleepers, 'SIGSTOP', { process: 'sleep', count: 1 });
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:S']);
    // The recipe names the helper, and the process by its PID in the container and its start time,
    // which is the one this host's /proc shows for it.
    const recipe = recipes[0]!;
    expect(recipe.helper).toEqual({ image, runId, faultId: `signal-${seq}` });
    expect(recipe.stopped).toHaveLength(1);
    expect(recipe.stopped[0]!.startTicks).toBe((await hostStartTicks(sleepers))[1]);
    expect(fault.detail).toBe(
      `SIGSTOP sent to sleep[${recipe.stopped[0]!.pid}] (PIDs in the container, from a helper)`,
    );
    expect(await containersIn(sleepersId)).toEqual([]);
    expect((await fault.revert()).detail).toBe(`continued sleep[${recipe.stopped[0]!.pid}]`);
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await containersIn(sleepersId)).toEqual([]);
  });

  it('SIGKILL kills only the picked process: a sibling with the same name lives', async () => {
    const siblings = await startSiblings();
    expect(await processStates(siblings)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    const { fault } = await inject(siblings, 'SIGKILL', { pattern: '^sleep 1000$', all: true });
    expect(fault.detail).toMatch(/^SIGKILL sent to sleep\[\d+\] \(PIDs in the container, from a helper\)$/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const left = await docker('top', siblings, '-o', 'pid,args');
    const lines = left.split('\n').slice(1);
    expect(lines.map((line) => line.trim().replace(/^\d+\s+/, '')).sort()).toEqual([
      'sh -c sleep 1000 & sleep 10000 & wait',
      'sleep 10000',
    ]);
    expect((await fault.revert()).status).toBe('already-reverted');
  });

  it("PID 1: SIGSTOP to the container's main process is refused before anything is signalled", async () => {
    const recipes: unknown[] = [];
    const target = { id: sleepersId, name: sleepers };
    await expect(
      processFamily.inject(
        { type: 'process', signal: 'SIGSTOP', match: { process: 'sh', count: 1, pid1: true }, runId },
        target,
        'pid1',
        helperCtx(),
        (recipe) => recipes.push(recipe),
      ),
    ).rejects.toThrow(
      /the helper way cannot send SIGSTOP to the main process of .* \(sh, PID 1 in the container\).*Use a pause or kill step for the main process, or --via nsenter/,
    );
    expect(recipes).toEqual([]);
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await containersIn(sleepersId)).toEqual([]);
  });

  it('no match: the same error as through the host, listing the processes by their PIDs in the container', async () => {
    await expect(inject(sleepers, 'SIGSTOP', { process: 'nginx' })).rejects.toThrow(
      /no process of .* named "nginx" \(its processes: sh\[1\], sleep\[\d+\], sleep\[\d+\]\)/,
    );
    expect(await containersIn(sleepersId)).toEqual([]);
  });

  it('undo from the recipe alone (watchdog, recover) continues the processes, idempotently, and only the same ones', async () => {
    const { recipes, target } = await inject(sleepers, 'SIGSTOP', { process: 'sleep', all: true });
    const recipe = recipes[0]!;
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
    const other = {
      ...recipe,
      stopped: recipe.stopped.map((entry) => ({ ...entry, startTicks: entry.startTicks + 1 })),
    };
    expect((await processFamily.undo(other, target, undoCtx)).status).toBe('target-gone');
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
    expect((await processFamily.undo(recipe, target, undoCtx)).status).toBe('reverted');
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await processFamily.undo(recipe, target, undoCtx)).toEqual({
      status: 'already-reverted',
      detail: 'no process of the fault is stopped',
    });
    expect(await containersIn(sleepersId)).toEqual([]);
  });

  it('how long a SIGSTOP takes to inject and revert, through the helper and through nsenter', async () => {
    const times: Record<string, { inject: number[]; revert: number[] }> = {};
    for (const [way, ctx] of [
      ['helper', helperCtx()],
      ['nsenter', nsenterCtx],
    ] as const) {
      times[way] = { inject: [], revert: [] };
      for (let round = 0; round < 5; round++) {
        const { fault, injectMs } = await inject(sleepers, 'SIGSTOP', { process: 'sleep', all: true }, ctx);
        const injected = performance.now();
        // Right after the SIGSTOP the process may not have taken it yet: the SIGCONT clears it then.
        expect(['reverted', 'already-reverted']).toContain((await fault.revert()).status);
        expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
        times[way].inject.push(injectMs);
        times[way].revert.push(performance.now() - injected);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [way, { inject: i, revert: r }] of Object.entries(times)) {
      console.log(
        `signal via ${way}: inject median ${median(i).toFixed(0)} ms, revert median ${median(r).toFixed(0)} ms`,
      );
    }
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });
});
