import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, SessionResult } from '../../src/model/journal.js';
import { type KvStore, startKvStore } from '../integration/workload/kv-store.js';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, startContainers, uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';

/**
 * `faultline run` with a workload probe and detection checks, end to end: a real store on loopback that
 * keeps or loses what it acknowledges, a real container paused by the run, and detections that watch
 * that container's state through the Engine.
 */
const prefix = uniquePrefix('workload');
const target = `${prefix}-web`;
let dir: string;
const stores: KvStore[] = [];

beforeAll(async () => {
  dir = await tempDir();
  await startContainers(prefix, [{ name: 'web' }]);
}, 60_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  await removeTestContainers(prefix);
});

function experiment(store: KvStore, detect: string): string {
  return `title: writes survive a paused container
hypothesis:
  - name: the store answers
    http: { url: "${store.url}/kv" }
  - name: every acknowledged write is kept
    workload:
      write:
        http: { url: "${store.url}/kv/\${id}", method: PUT, body: { value: "\${id}" } }
      read:
        http: { url: "${store.url}/kv", values: "$.values", next: "$.next" }
      rate: 40/s
      timeout: 1s
    expect:
      thresholds: ["lost == 0", "duplicates == 0", "available.before > 90%", "available.after > 90%"]
${detect}
method:
  - pause: { target: { name: ${target} }, duration: 1500ms }
recovery: 5s
`;
}

const PAUSED_DETECTED = `detect:
  - name: the container is seen paused
    container: { target: { name: ${target} } }
    expect: { state: paused }
    every: 200ms
    within: 5s`;

async function run(
  name: string,
  text: string,
): Promise<{ exitCode: number; output: string; run: RunResult }> {
  const file = await writeExperiment(dir, `${name}.yaml`, text);
  const report = path.join(dir, `${name}.json`);
  const result = await faultline(['run', file, '--report', `json=${report}`], { cwd: dir });
  const session = JSON.parse(await readFile(report, 'utf8')) as SessionResult;
  return { exitCode: result.exitCode ?? -1, output: result.all ?? '', run: session.runs[0]! };
}

/** Resolves once `check` is true (polled every 50 ms), or rejects after `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('faultline run with a workload probe and detection checks', () => {
  it('plans them: the bounds and read-back of a workload, and the deadline of each detection', async () => {
    const store = await startKvStore();
    stores.push(store);
    const file = await writeExperiment(dir, 'plan.yaml', experiment(store, PAUSED_DETECTED));
    const result = await faultline(['plan', file], { cwd: dir });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(
      `every acknowledged write is kept: workload PUT ${store.url}/kv/\${id} at 40/s  [writes from the baseline (2s at least) until 2s after recovery, 8 in flight and 10000 writes at most, 1s each; then reads back (GET ${store.url}/kv, page by page) and judges lost == 0, duplicates == 0, available.before > 90%, available.after > 90%]`,
    );
    expect(result.stdout).toMatch(
      /detect\n {2}the container is seen paused: inspect container, expecting state paused, must pass within 5s of the first fault starting; every 200ms in fl-test-workload-\w+-web\n/,
    );
  }, 60_000);

  it('reads back only once the hypothesis holds again', async () => {
    // The store is down from the moment the container is paused until 3 s after it is unpaused.
    let downUntil = Number.POSITIVE_INFINITY;
    let downFrom = Number.POSITIVE_INFINITY;
    const store = await startKvStore({
      pageSize: 50,
      down: () => Date.now() >= downFrom && Date.now() < downUntil,
    });
    stores.push(store);
    const state = async () => (await docker('inspect', '-f', '{{.State.Status}}', target)).trim();
    const watching = (async () => {
      await until(async () => (await state()) === 'paused', 30_000);
      downFrom = Date.now();
      await until(async () => (await state()) === 'running', 30_000);
      downUntil = Date.now() + 3000;
    })();
    const text = experiment(store, '')
      .replace(
        'http: { url: "' + store.url + '/kv" }',
        'http: { url: "' + store.url + '/kv" }\n    when: [before, after]',
      )
      .replace('recovery: 5s', 'recovery: 10s');
    const { exitCode, output, run: result } = await run('waits', text);
    await watching;
    expect(exitCode, output).toBe(0);
    const data = result.journal
      .flatMap((entry) => (entry.type === 'probe' ? [entry.sample] : []))
      .find((sample) => sample.probe === 'every acknowledged write is kept')!;
    expect(data.status).toBe('pass');
    // The read-back started after the store came back, and nothing acknowledged was lost.
    expect(Date.parse(data.startedAt)).toBeGreaterThanOrEqual(downUntil);
    expect(result.workload![0]!.report!.lost.count).toBe(0);
    expect(result.workload![0]!.report!.totals.during.refused).toBeGreaterThan(0);
  }, 90_000);

  it('passes when every acknowledged write is read back, and measures the time to detect', async () => {
    const store = await startKvStore({ pageSize: 50 });
    stores.push(store);
    const { exitCode, output, run: result } = await run('keeps', experiment(store, PAUSED_DETECTED));
    expect(exitCode, output).toBe(0);
    const workload = result.workload![0]!;
    expect(workload.report!.lost.count).toBe(0);
    // Writes before the method (its 2s baseline) and after recovery (2s), at 40/s.
    expect(workload.report!.totals.before.attempted).toBeGreaterThan(50);
    expect(workload.report!.totals.after.attempted).toBeGreaterThan(50);
    const written = workload.report!.totals.all;
    expect(written.acknowledged).toBeGreaterThan(40);
    expect(written.acknowledged).toBe(store.values.length);
    const detection = result.detect![0]!;
    expect(detection.detectedAfterMs).not.toBeNull();
    expect(detection.detectedAfterMs!).toBeLessThan(1500);
    const sample = result.probes.find((probe) => probe.probe === 'detect: the container is seen paused');
    expect(sample?.status).toBe('pass');
  }, 90_000);

  it('fails when the store loses acknowledged writes, naming the first lost ids', async () => {
    const store = await startKvStore({ drop: (seq) => seq % 10 === 3, pageSize: 50 });
    stores.push(store);
    const { exitCode, output, run: result } = await run('loses', experiment(store, PAUSED_DETECTED));
    expect(exitCode, output).toBe(1);
    expect(result.outcome).toBe('deviated');
    const report = result.workload![0]!.report!;
    const dropped = [...store.actions].filter(([, action]) => action === 'dropped').map(([id]) => id);
    expect(report.lost.count).toBe(dropped.length);
    expect(report.lost.examples.map((example) => example.id)).toEqual(dropped.slice(0, 10));
    const data = result.probes.find((probe) => probe.probe === 'every acknowledged write is kept');
    expect(data?.status).toBe('fail');
    expect(data?.reason).toMatch(/lost/);
  }, 90_000);

  it('fails a detection that never passes, and one that passed before any fault', async () => {
    const store = await startKvStore({ pageSize: 50 });
    stores.push(store);
    const detect = `detect:
  - name: never
    container: { target: { name: ${target} } }
    expect: { state: dead }
    every: 200ms
    within: 2s
  - name: already
    container: { target: { name: ${target} } }
    expect: { state: running }
    within: 2s`;
    const { exitCode, output, run: result } = await run('undetected', experiment(store, detect));
    expect(exitCode, output).toBe(1);
    const never = result.probes.find((probe) => probe.probe === 'detect: never');
    expect(never?.status).toBe('fail');
    expect(never?.reason).toMatch(/^not noticed within 2s of the first fault/);
    const already = result.probes.find((probe) => probe.probe === 'detect: already');
    expect(already?.status).toBe('fail');
    expect(already?.reason).toMatch(/already passing before any fault started/);
    expect(result.detect!.map((detection) => detection.detectedAfterMs)).toEqual([null, null]);
  }, 90_000);
});
