import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import { runExperiment } from '../../../src/engine/run-experiment.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import type { JournalEntry, RunResult } from '../../../src/model/journal.js';
import { FakeDocker } from '../support/fake-docker.js';

/** Epoch milliseconds with sub-millisecond precision. */
const now = (): number => performance.timeOrigin + performance.now();
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Docker Engine whose calls take time, as a busy Engine's do: each container's pause takes its own
 * latency, and a restart runs `duringRestart` while it is under way. Records when each call started.
 */
class SlowDocker extends FakeDocker {
  readonly pauseCalledAt = new Map<string, number>();
  readonly unpauseCalledAt = new Map<string, number>();
  /** Container names by id, filled in by `shopOf`. */
  readonly lookup = new Map<string, string>();
  pauseLatency: (name: string) => number = () => 0;
  duringRestart: () => Promise<void> = async () => {};

  override async pause(id: string): Promise<void> {
    const name = this.nameOf(id);
    this.pauseCalledAt.set(name, now());
    await delay(this.pauseLatency(name));
    return super.pause(id);
  }

  override async unpause(id: string): Promise<void> {
    this.unpauseCalledAt.set(this.nameOf(id), now());
    return super.unpause(id);
  }

  override async restart(id: string, graceSeconds: number): Promise<void> {
    await this.duringRestart();
    return super.restart(id, graceSeconds);
  }

  private nameOf(id: string): string {
    return this.lookup.get(id) ?? id;
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-timing-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(yaml: string, docker: FakeDocker): Promise<RunResult> {
  return runExperiment(parseExperiment(yaml, path.join(dir, 'experiment.yaml'), {}), {
    docker,
    reporter: { name: 'test' },
    seed: 1,
    signal: new AbortController().signal,
  });
}

function eventsOf<T extends JournalEntry['type']>(
  result: RunResult,
  type: T,
): Extract<JournalEntry, { type: T }>[] {
  return result.journal.filter((entry): entry is Extract<JournalEntry, { type: T }> => entry.type === type);
}

async function shopOf(count: number): Promise<SlowDocker> {
  const docker = new SlowDocker(
    Array.from({ length: count }, (_, index) => ({
      name: `web-${index}`,
      labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'web' },
    })),
  );
  for (const container of await docker.listContainers({ all: true }))
    docker.lookup.set(container.id, container.name);
  return docker;
}

describe('a fault with a duration holds each target for exactly that long', () => {
  it('reverts each of 20 targets its duration after its own call started, however long the others took', async () => {
    const docker = await shopOf(20);
    // The Engine answers the pauses one after another, 20ms apart: the last one 380ms after the first.
    docker.pauseLatency = (name) => Number(name.split('-')[1]) * 20;
    const result = await run(
      `title: pause the web tier
scope: { compose: shop }
hypothesis:
  - name: host check
    command: [node, -e, "process.exit(0)"]
    when: [before, after]
method:
  - pause: { target: { service: web }, duration: 500ms }
recovery: 0s
`,
      docker,
    );
    expect(result.outcome).toBe('passed');
    const holds = [...docker.pauseCalledAt].map(
      ([name, pausedAt]) => [name, Math.round(docker.unpauseCalledAt.get(name)! - pausedAt)] as const,
    );
    expect(holds).toHaveLength(20);
    for (const [name, held] of holds) {
      expect(held, `${name} held ${held}ms`).toBeGreaterThanOrEqual(499);
      expect(held, `${name} held ${held}ms`).toBeLessThan(550);
    }
    // The journal's hold is each target's own, from its call's start to the end of its revert.
    const reverted = eventsOf(result, 'fault-reverted');
    expect(reverted).toHaveLength(20);
    for (const entry of reverted) {
      expect(entry.heldMs, entry.target.name).toBeGreaterThanOrEqual(499);
      expect(entry.heldMs, entry.target.name).toBeLessThan(550);
    }
    // The fault counts as injected from the start of its call: web-19's record is stamped 380ms
    // before its pause returned, within a few milliseconds of the moment the call was made.
    const record = result.faults.find((fault) => fault.target.name === 'web-19')!;
    expect(Math.abs(Date.parse(record.injectedAt) - docker.pauseCalledAt.get('web-19')!)).toBeLessThan(5);
  });
});

/** A local service that refuses connections while it "restarts". */
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function down(): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}
async function up(): Promise<void> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

describe('a fault is in effect from the moment its Docker call starts', () => {
  it('judges requests refused while a restart is under way in the during phase: fragile, exit 1', async () => {
    const docker = await shopOf(1);
    // The service is down for the 600ms the restart takes, and back when `docker restart` returns.
    docker.duringRestart = async () => {
      await down();
      await delay(600);
      await up();
    };
    const result = await run(
      `title: restart behind a load
scope: { compose: shop }
hypothesis:
  - name: shop under load
    load: { url: "http://127.0.0.1:${port}/", rate: 50/s, before: 500ms, after: 500ms, records: true }
    timeout: 1s
    expect: { thresholds: ["error_rate < 1%"] }
method:
  - restart: { target: { name: web-0 }, grace: 1s }
  - wait: 200ms
recovery: 0s
`,
      docker,
    );
    const during = result.probes.find((probe) => probe.phase === 'during')!;
    expect(during.status).toBe('fail');
    expect(during.reason).toMatch(/^error_rate: expected < 1%, saw \d+/);
    expect(result.outcome).toBe('deviated');
    expect(result.exitCode).toBe(1);
    expect(result.probes.find((probe) => probe.phase === 'before')!.status).toBe('pass');
    expect(result.probes.find((probe) => probe.phase === 'after')!.status).toBe('pass');

    const refused = result.load![0]!.records!.filter((record) => !record.ok);
    expect(refused.filter((record) => record.error === 'refused').length).toBeGreaterThanOrEqual(20);
    // The report's fault interval starts before the first refused request, and covers every one.
    const [fault] = result.faults;
    const from = Date.parse(fault!.injectedAt);
    const to = Date.parse(fault!.revertedAt!);
    expect(from).toBeLessThanOrEqual(refused[0]!.scheduledAt);
    expect(refused.every((record) => record.scheduledAt >= from && record.scheduledAt < to)).toBe(true);
    // The journal says so too: injected before the first refusal.
    const injected = eventsOf(result, 'fault-injected')[0]!;
    expect(Date.parse(injected.at)).toBeLessThanOrEqual(refused[0]!.scheduledAt);
  });
});
