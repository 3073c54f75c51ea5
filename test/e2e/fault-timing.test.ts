import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry, RunResult, SessionResult } from '../../src/model/journal.js';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import {
  httpOk,
  removeTestContainers,
  startContainers,
  type TestContainer,
  uniquePrefix,
  waitFor,
} from '../support/containers.js';
import { docker, inspectState, TEST_LABEL } from '../support/docker-cli.js';
import { freePort } from '../support/ports.js';

/**
 * Fault timing against a real Docker Engine: each of many targets is held for its own duration, and a
 * fault is in effect from the moment its Docker call starts.
 */
const TARGETS = 30;
const HOLD_MS = 1000;
/**
 * How far faultline's own timing may stray from the duration, per target: one event-loop turn on a
 * loaded 2-core machine. 50 ms was exceeded once (68 ms, one of 30 targets, right after the Engine
 * restarted in the test before); the median stays within a few milliseconds.
 */
const TOLERANCE_MS = 100;

const prefix = uniquePrefix('timing');
let dir: string;
let containers: TestContainer[] = [];

beforeAll(async () => {
  dir = await tempDir();
  containers = await startContainers(
    prefix,
    Array.from({ length: TARGETS }, (_, index) => ({ name: `web-${index}` })),
  );
}, 120_000);

afterAll(async () => {
  await removeTestContainers(prefix);
});

async function runOf(file: string): Promise<RunResult> {
  const session = JSON.parse(await readFile(file, 'utf8')) as SessionResult;
  return session.runs[0]!;
}

/** Each container's pause and unpause, from the Engine's own event log, in epoch milliseconds. */
async function pauseIntervals(
  since: string,
  until: string,
): Promise<Map<string, { from: number; to: number }>> {
  const out = await docker(
    'events',
    '--since',
    since,
    '--until',
    until,
    '--filter',
    `label=${TEST_LABEL}=${prefix}`,
    '--filter',
    'event=pause',
    '--filter',
    'event=unpause',
    '--format',
    '{{.Action}} {{.Actor.Attributes.name}} {{.TimeNano}}',
  );
  const intervals = new Map<string, { from: number; to: number }>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [action, name, nanos] = line.split(' ');
    const at = Number(BigInt(nanos!) / 1000n) / 1000;
    const interval = intervals.get(name!) ?? { from: Number.NaN, to: Number.NaN };
    if (action === 'pause') interval.from = at;
    else interval.to = at;
    intervals.set(name!, interval);
  }
  return intervals;
}

describe('fault timing on a real Docker Engine', () => {
  it(`pauses each of ${TARGETS} containers for its duration, measured from the Engine's events`, async () => {
    const file = await writeExperiment(
      dir,
      'pause-many.yaml',
      `title: pause many
hypothesis:
  - name: host check
    command: [node, -e, "process.exit(0)"]
    when: [before, after]
method:
  - pause: { target: { labels: { ${TEST_LABEL}: ${prefix} } }, duration: ${HOLD_MS}ms }
recovery: 0s
`,
    );
    const json = path.join(dir, 'pause-many.json');
    const since = new Date(Date.now() - 1000).toISOString();
    const result = await faultline(['run', file, '--report', `json=${json}`]);
    expect(result.exitCode, result.all).toBe(0);
    const run = await runOf(json);
    const intervals = await pauseIntervals(since, new Date(Date.now() + 1000).toISOString());

    expect(run.faults).toHaveLength(TARGETS);
    const reverted = run.journal.filter(
      (entry): entry is Extract<JournalEntry, { type: 'fault-reverted' }> => entry.type === 'fault-reverted',
    );
    const rows = run.faults.map((fault) => {
      const real = intervals.get(fault.target.name)!;
      const revert = reverted.find((entry) => entry.faultId === fault.faultId)!;
      const injectedAt = Date.parse(fault.injectedAt);
      const revertedAt = Date.parse(fault.revertedAt!);
      return {
        name: fault.target.name,
        injectedAt,
        revertedAt,
        heldMs: revert.heldMs,
        // When faultline sent the revert, from the start of this target's own pause call.
        revertSentAfter: revert.heldMs - revert.revertMs!,
        // What the container lived through, by the Engine's own clock.
        paused: real.to - real.from,
        // The Engine's own delay: from the pause call to the freeze, from the unpause call to the thaw.
        engineLag: Math.max(real.from - injectedAt, real.to - (revertedAt - revert.revertMs!)),
        real,
      };
    });
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `min ${Math.round(sorted[0]!)}ms, median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)}ms, max ${Math.round(sorted.at(-1)!)}ms`;
    };
    console.log(
      [
        `${TARGETS} containers paused for ${HOLD_MS}ms:`,
        `  revert sent after     ${stats(rows.map((row) => row.revertSentAfter))}`,
        `  paused (Engine events) ${stats(rows.map((row) => row.paused))}`,
        `  Engine lag            ${stats(rows.map((row) => row.engineLag))}`,
      ].join('\n'),
    );
    for (const row of rows) {
      // faultline holds each target exactly its duration, from that target's own call...
      expect(
        Math.abs(row.revertSentAfter - HOLD_MS),
        `${row.name}: revert sent after ${row.revertSentAfter}ms`,
      ).toBeLessThanOrEqual(TOLERANCE_MS);
      // ...so the container is paused for its duration, give or take what the Engine itself takes to
      // freeze and thaw it (tens of milliseconds on an idle machine, hundreds on a loaded one).
      expect(
        Math.abs(row.paused - HOLD_MS),
        `${row.name}: paused ${Math.round(row.paused)}ms`,
      ).toBeLessThanOrEqual(TOLERANCE_MS + row.engineLag);
      // The report's interval covers the real one: stamped when the call started, closed when the
      // revert returned, and the hold it reports is that interval.
      expect(row.injectedAt, row.name).toBeLessThanOrEqual(Math.ceil(row.real.from));
      expect(row.revertedAt, row.name).toBeGreaterThanOrEqual(Math.floor(row.real.to));
      expect(row.heldMs).toBe(row.revertedAt - row.injectedAt);
    }
    for (const container of containers) expect((await inspectState(container.name)).paused).toBe(false);
  });

  it('judges the requests refused while a restart is under way as during: fragile, exit 1', async () => {
    // A service that shuts down gracefully: on SIGTERM it stops accepting at once, then lingers until
    // Docker kills it at the end of the grace period. Users are refused from the first moment.
    // A fixed host port: an ephemeral one may change when the container restarts.
    const port = await freePort();
    const [service] = await startContainers(prefix, [
      {
        name: 'graceful',
        publish: `127.0.0.1:${port}:8080`,
        command: [
          '-e',
          "const s = require('http').createServer((q, r) => r.end('ok')).listen(8080); setInterval(() => {}, 1000); process.on('SIGTERM', () => { s.close(); s.closeAllConnections(); });",
        ],
      },
    ]);
    const url = `http://127.0.0.1:${port}/`;
    await waitFor('the service to answer', () => httpOk(url));
    const file = await writeExperiment(
      dir,
      'restart.yaml',
      `title: restart under load
hypothesis:
  - name: shop under load
    load: { url: "${url}", rate: 50/s, before: 1s, after: 1s, records: true }
    timeout: 1s
    expect: { thresholds: ["error_rate < 1%"] }
method:
  - restart: { target: { name: ${service!.name} }, grace: 1s }
recovery: 10s
`,
    );
    const json = path.join(dir, 'restart.json');
    const result = await faultline(['run', file, '--report', `json=${json}`]);
    expect(result.exitCode, result.all).toBe(1);
    const run = await runOf(json);
    const phase = (name: string) => run.probes.find((probe) => probe.phase === name)!;
    expect(phase('before').status).toBe('pass');
    expect(phase('during').status).toBe('fail');
    expect(phase('during').reason).toMatch(/^error_rate: expected < 1%, saw \d/);
    // The node process takes a moment to listen again after `docker restart` returns: recovery time.
    expect(phase('after').status).toBe('pass');

    const refused = run.load![0]!.records!.filter((record) => !record.ok);
    expect(refused.length).toBeGreaterThanOrEqual(25);
    const [fault] = run.faults;
    // The fault counts from the start of the restart: before the first request it refused.
    expect(Date.parse(fault!.injectedAt)).toBeLessThanOrEqual(refused[0]!.scheduledAt);
    const duringRequests = run.load![0]!.records!.filter(
      (record) =>
        record.scheduledAt >= Date.parse(fault!.injectedAt) &&
        record.scheduledAt < Date.parse(fault!.revertedAt!),
    );
    // The grace period alone is a second of refusals at 50/s, all of them inside the fault's interval.
    expect(duringRequests.filter((record) => !record.ok).length).toBeGreaterThanOrEqual(40);
    expect((await inspectState(service!.name)).running).toBe(true);
  });
});
