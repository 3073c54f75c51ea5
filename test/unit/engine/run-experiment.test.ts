import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DockerUnavailableError } from '../../../src/docker/engine-errors.js';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import type { Reporter } from '../../../src/engine/port.js';
import { runExperiment } from '../../../src/engine/run-experiment.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { REVERT_RETRY } from '../../../src/faults/retry.js';
import type { JournalEntry, RunResult } from '../../../src/model/journal.js';
import { type FakeContainerSpec, FakeDocker } from '../support/fake-docker.js';

// Reverts retry with backoff; the same attempts, with millisecond waits, keep these tests fast.
vi.mock('../../../src/faults/retry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/faults/retry.js')>();
  return {
    ...original,
    withRetry: <T>(operation: () => Promise<T>) =>
      original.withRetry(operation, { ...original.REVERT_RETRY, baseMs: 2, maxMs: 5 }),
  };
});

function service(name: string, svc: string, project = 'shop'): FakeContainerSpec {
  return { name, labels: { [COMPOSE_PROJECT]: project, [COMPOSE_SERVICE]: svc } };
}

function shop(): FakeDocker {
  return new FakeDocker([
    service('shop-api-1', 'api'),
    service('shop-api-2', 'api'),
    service('shop-api-3', 'api'),
    service('shop-db-1', 'db'),
  ]);
}

const API = ['shop-api-1', 'shop-api-2', 'shop-api-3'];

let dir: string;
let timers: NodeJS.Timeout[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-engine-'));
  timers = [];
  setHealth('ok');
});

afterEach(() => {
  for (const timer of timers) clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
});

/** The system under test, as far as the `shop answers` probe can tell: it reads this file. */
function setHealth(text: string): void {
  writeFileSync(path.join(dir, 'health.txt'), text);
}

function later(ms: number, action: () => void): void {
  timers.push(setTimeout(action, ms));
}

/** A host probe whose verdict the test controls through health.txt (read relative to the experiment). */
const SHOP_ANSWERS = `  - name: shop answers
    command: [cat, health.txt]
    expect: { stdout: { equals: ok } }
    every: 50ms
`;

function load(yaml: string) {
  return parseExperiment(yaml, path.join(dir, 'experiment.yaml'), {});
}

interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (entry: JournalEntry, docker: FakeDocker) => void;
  reporter?: Reporter;
  seed?: number;
}

async function run(
  yaml: string,
  docker: FakeDocker,
  options: RunOptions = {},
): Promise<{ result: RunResult; events: JournalEntry[] }> {
  const events: JournalEntry[] = [];
  const reporter: Reporter = options.reporter ?? {
    name: 'test',
    onEvent(entry) {
      events.push(entry);
      options.onEvent?.(entry, docker);
    },
  };
  const result = await runExperiment(load(yaml), {
    docker,
    reporter,
    seed: options.seed ?? 1,
    signal: options.signal ?? new AbortController().signal,
  });
  return { result, events };
}

function summaryOf(result: RunResult, probe: string, phase: string) {
  return result.probes.find((summary) => summary.probe === probe && summary.phase === phase);
}

function sorted(names: string[]): string[] {
  return [...names].sort();
}

function eventsOf<T extends JournalEntry['type']>(
  result: RunResult,
  type: T,
): Extract<JournalEntry, { type: T }>[] {
  return result.journal.filter((entry): entry is Extract<JournalEntry, { type: T }> => entry.type === type);
}

describe('runExperiment', () => {
  it('passes when the hypothesis holds: every fault reverted, the containers running again', async () => {
    const docker = shop();
    const { result, events } = await run(
      `title: api survives a pause
scope: { compose: shop }
hypothesis:
  - name: host check
    command: [node, -e, "process.exit(0)"]
    every: 50ms
  - name: db keeps running
    container: { target: { service: db } }
    every: 50ms
method:
  - pause: { target: { service: api }, duration: 200ms }
recovery: 1s
`,
      docker,
    );
    expect(result.outcome).toBe('passed');
    expect(result.exitCode).toBe(0);
    expect(result.summary).toBe('the hypothesis held before, during and after the faults');
    expect(sorted(docker.callsTo('pause'))).toEqual(API);
    expect(sorted(docker.callsTo('unpause'))).toEqual(API);
    for (const name of API) expect(docker.stateOf(name)).toBe('running');
    expect(
      result.faults.map((fault) => [fault.target.name, fault.fault, fault.status, fault.detail]).sort(),
    ).toEqual(API.map((name) => [name, 'pause', 'reverted', 'unpaused']));
    for (const phase of ['before', 'during', 'after']) {
      for (const probe of ['host check', 'db keeps running']) {
        const summary = summaryOf(result, probe, phase);
        expect(summary, `${probe} ${phase}`).toMatchObject({ status: 'pass', failures: 0 });
        expect(summary!.samples).toBeGreaterThanOrEqual(1);
      }
    }
    expect(eventsOf(result, 'phase').map((entry) => entry.phase)).toEqual([
      'resolve',
      'before',
      'method',
      'after',
    ]);
    // The reporter saw every journal entry, as it happened.
    expect(events.map((entry) => entry.type)).toEqual(result.journal.map((entry) => entry.type));
    expect(result.seed).toBe(1);
    expect(result.title).toBe('api survives a pause');
  });

  it('deviates (exit 1) when a during probe fails while a pause is active, and still reverts the pause', async () => {
    const docker = shop();
    const { result } = await run(
      `title: fragile
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 }, duration: 250ms }
recovery: 1s
`,
      docker,
      {
        onEvent(entry) {
          // The shop depends on api-1: it answers "down" while api-1 is paused.
          if (entry.type === 'fault-injected') setHealth('down');
          if (entry.type === 'fault-reverted') setHealth('ok');
        },
      },
    );
    expect(result.outcome).toBe('deviated');
    expect(result.exitCode).toBe(1);
    const during = summaryOf(result, 'shop answers', 'during')!;
    expect(during.status).toBe('fail');
    expect(during.failures).toBeGreaterThanOrEqual(1);
    expect(during.reason).toBe('stdout equals: expected "ok", saw down');
    expect(result.summary).toMatch(
      /^the hypothesis did not hold: shop answers \(during, \d+\/\d+ failed\): stdout equals/,
    );
    expect(summaryOf(result, 'shop answers', 'before')!.status).toBe('pass');
    expect(summaryOf(result, 'shop answers', 'after')!.status).toBe('pass');
    expect(docker.stateOf('shop-api-1')).toBe('running');
    expect(result.faults).toEqual([
      expect.objectContaining({
        status: 'reverted',
        target: expect.objectContaining({ name: 'shop-api-1' }),
      }),
    ]);
  });

  it('sees a paused container through a container probe', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
hypothesis:
  - name: api-1 runs
    container: { target: { name: shop-api-1 } }
    every: 50ms
method:
  - pause: { target: { name: shop-api-1 }, duration: 200ms }
recovery: 1s
`,
      docker,
    );
    expect(result.outcome).toBe('deviated');
    expect(summaryOf(result, 'api-1 runs', 'during')!.reason).toBe('state: expected running, saw paused');
    expect(summaryOf(result, 'api-1 runs', 'after')!.status).toBe('pass');
    expect(docker.stateOf('shop-api-1')).toBe('running');
  });

  it('errors (exit 3) without injecting anything when the baseline does not hold', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
hypothesis:
  - name: host check
    command: [node, -e, "process.exit(3)"]
method:
  - pause: { target: { name: shop-api-1 } }
rollbacks:
  - command: [touch, rolled-back.txt]
`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.exitCode).toBe(3);
    expect(result.summary).toBe(
      'baseline not met, nothing was injected: the system was not healthy to begin with (host check: exit code: expected 0, saw 3)',
    );
    expect(docker.callsTo('pause')).toEqual([]);
    expect(result.faults).toEqual([]);
    expect(summaryOf(result, 'host check', 'during')!.status).toBe('not-run');
    expect(summaryOf(result, 'host check', 'after')!.status).toBe('not-run');
    // Nothing was done, so there is nothing to roll back.
    expect(existsSync(path.join(dir, 'rolled-back.txt'))).toBe(false);
  });

  it('errors (exit 3) without injecting or probing when a target does not exist', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
scope: { compose: shop }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: api } }
  - kill: { target: { service: payments } }
`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain('method[1].kill: no container matches service shop/payments');
    expect(docker.callsTo('pause')).toEqual([]);
    expect(docker.callsTo('kill')).toEqual([]);
    expect(result.probes.every((summary) => summary.status === 'not-run')).toBe(true);
  });

  it('errors (exit 3) when Docker cannot be reached, before anything else', async () => {
    const docker = shop();
    docker.failOn('ping', undefined, {
      error: () => new DockerUnavailableError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
    });
    const { result } = await run(
      `title: t\nhypothesis:\n${SHOP_ANSWERS}method:\n  - pause: { target: { name: shop-api-1 } }\n`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain('connection refused');
    expect(docker.callsTo('pause')).toEqual([]);
  });

  it('reverts the targets already paused when the pause fails on one of three, and errors', async () => {
    const docker = shop();
    docker.failOn('pause', 'shop-api-2');
    const started = performance.now();
    const { result } = await run(
      `title: t
scope: { compose: shop }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: api } }
  - wait: 10s
`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain('method[0] pause failed on shop-api-2: simulated pause failure');
    expect(result.summary).toContain('The targets already hit were reverted');
    expect(sorted(docker.callsTo('unpause'))).toEqual(['shop-api-1', 'shop-api-3']);
    for (const name of API) expect(docker.stateOf(name)).toBe('running');
    expect(result.faults.map((fault) => [fault.target.name, fault.status]).sort()).toEqual([
      ['shop-api-1', 'reverted'],
      ['shop-api-3', 'reverted'],
    ]);
    // The method stopped there: the 10s wait never ran.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result.journal.some((entry) => entry.type === 'step-start' && entry.step === 'method[1]')).toBe(
      false,
    );
  });

  it('ends as revert-failed (exit 4) with the command to undo by hand when a revert keeps failing', async () => {
    const docker = shop();
    docker.failOn('unpause', 'shop-api-1');
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 }, duration: 50ms }
recovery: 200ms
`,
      docker,
    );
    expect(result.outcome).toBe('revert-failed');
    expect(result.exitCode).toBe(4);
    expect(result.faults).toEqual([
      expect.objectContaining({
        status: 'failed',
        detail: 'simulated unpause failure',
        remedy: 'docker unpause shop-api-1',
      }),
    ]);
    expect(result.summary).toBe(
      'could not revert 1 fault(s): pause on shop-api-1 (simulated unpause failure; undo: docker unpause shop-api-1)',
    );
    expect(docker.callsTo('unpause')).toHaveLength(REVERT_RETRY.attempts);
    expect(docker.stateOf('shop-api-1')).toBe('paused');
    expect(eventsOf(result, 'fault-reverted')).toEqual([
      expect.objectContaining({ status: 'failed', remedy: 'docker unpause shop-api-1' }),
    ]);
  });

  it('retries a revert that fails for a moment, and passes', async () => {
    const docker = shop();
    docker.failOn('unpause', 'shop-api-1', { times: 2 });
    const { result } = await run(
      `title: t\nhypothesis:\n${SHOP_ANSWERS}method:\n  - pause: { target: { name: shop-api-1 }, duration: 50ms }\n`,
      docker,
    );
    expect(result.outcome).toBe('passed');
    expect(docker.callsTo('unpause')).toHaveLength(3);
    expect(docker.stateOf('shop-api-1')).toBe('running');
    expect(result.faults[0]!.status).toBe('reverted');
  });

  it('reports a target removed during the fault as gone, with a warning, and finishes the run', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t\nhypothesis:\n${SHOP_ANSWERS}method:\n  - pause: { target: { name: shop-api-1 }, duration: 100ms }\n`,
      docker,
      {
        onEvent(entry, fake) {
          if (entry.type === 'fault-injected') void fake.remove('shop-api-1');
        },
      },
    );
    expect(result.faults).toEqual([
      expect.objectContaining({
        status: 'target-gone',
        detail: 'the container was removed; nothing to revert',
      }),
    ]);
    expect(eventsOf(result, 'log')).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'shop-api-1: the container was removed; nothing to revert',
      }),
    );
    expect(result.outcome).toBe('passed');
    expect(result.exitCode).toBe(0);
  });

  it('reverts a fault with a duration when the duration ends, before the next step', async () => {
    const docker = shop();
    const seen: Record<string, string> = {};
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 }, duration: 100ms }
  - wait: 200ms
`,
      docker,
      {
        onEvent(entry, fake) {
          if (entry.type === 'step-start' && entry.step === 'method[1]')
            seen.waitStart = fake.stateOf('shop-api-1');
        },
      },
    );
    expect(result.outcome).toBe('passed');
    expect(seen.waitStart).toBe('running');
    const [reverted] = eventsOf(result, 'fault-reverted');
    const waitEnd = result.journal.find((entry) => entry.type === 'step-end' && entry.step === 'method[1]')!;
    expect(reverted!.t).toBeLessThan(waitEnd.t);
    expect(reverted!.heldMs).toBeGreaterThanOrEqual(95);
    expect(reverted!.heldMs).toBeLessThan(1000);
    expect(eventsOf(result, 'phase').map((entry) => entry.phase)).not.toContain('revert');
  });

  it('holds a fault without a duration until the method ends', async () => {
    const docker = shop();
    const seen: string[] = [];
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 } }
  - wait: 150ms
`,
      docker,
      {
        onEvent(entry, fake) {
          if (entry.type === 'step-start' && entry.step === 'method[1]')
            seen.push(`wait starts: ${fake.stateOf('shop-api-1')}`);
          if (entry.type === 'step-end' && entry.step === 'method[1]')
            seen.push(`wait ends: ${fake.stateOf('shop-api-1')}`);
        },
      },
    );
    expect(seen).toEqual(['wait starts: paused', 'wait ends: paused']);
    expect(docker.stateOf('shop-api-1')).toBe('running');
    const [reverted] = eventsOf(result, 'fault-reverted');
    const waitEnd = result.journal.find((entry) => entry.type === 'step-end' && entry.step === 'method[1]')!;
    expect(reverted!.t).toBeGreaterThanOrEqual(waitEnd.t);
    expect(reverted!.heldMs).toBeGreaterThanOrEqual(145);
    expect(eventsOf(result, 'phase').map((entry) => entry.phase)).toEqual([
      'resolve',
      'before',
      'method',
      'revert',
      'after',
    ]);
    expect(result.outcome).toBe('passed');
  });

  it('is interrupted (exit 130) when the signal aborts mid-method, and reverts everything', async () => {
    const docker = shop();
    const controller = new AbortController();
    const started = performance.now();
    const { result } = await run(
      `title: t
scope: { compose: shop }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: api } }
  - wait: 10s
rollbacks:
  - command: [touch, rolled-back.txt]
`,
      docker,
      {
        signal: controller.signal,
        onEvent(entry) {
          if (entry.type === 'step-start' && entry.step === 'method[1]') later(50, () => controller.abort());
        },
      },
    );
    expect(result.outcome).toBe('interrupted');
    expect(result.exitCode).toBe(130);
    expect(result.summary).toBe('interrupted; every injected fault was reverted');
    expect(performance.now() - started).toBeLessThan(5000);
    for (const name of API) expect(docker.stateOf(name)).toBe('running');
    expect(result.faults.map((fault) => fault.status)).toEqual(['reverted', 'reverted', 'reverted']);
    // The recovery check is skipped, but rollbacks still run after an interrupt.
    expect(eventsOf(result, 'phase').map((entry) => entry.phase)).not.toContain('after');
    expect(existsSync(path.join(dir, 'rolled-back.txt'))).toBe(true);
  });

  it('is interrupted without touching Docker when the signal is already aborted', async () => {
    const docker = shop();
    const controller = new AbortController();
    controller.abort();
    const { result } = await run(
      `title: t\nhypothesis:\n${SHOP_ANSWERS}method:\n  - pause: { target: { name: shop-api-1 } }\n`,
      docker,
      {
        signal: controller.signal,
      },
    );
    expect(result.outcome).toBe('interrupted');
    expect(result.exitCode).toBe(130);
    expect(docker.callsTo('pause')).toEqual([]);
  });

  it('errors when the run exceeds its timeout, and reverts the fault in place', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 } }
  - wait: 10s
timeout: 300ms
`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.exitCode).toBe(3);
    expect(result.summary).toBe('the run exceeded its timeout of 300ms');
    expect(result.durationMs).toBeLessThan(5000);
    expect(docker.stateOf('shop-api-1')).toBe('running');
    expect(result.faults[0]!.status).toBe('reverted');
  });

  it('keeps reverting when the reporter throws from every hook', async () => {
    const docker = shop();
    let calls = 0;
    const broken: Reporter = {
      name: 'broken',
      onRunStart() {
        throw new Error('cannot start');
      },
      onEvent(entry) {
        calls++;
        if (entry.type === 'fault-injected' || calls % 2 === 0) throw new Error('disk full');
        return Promise.reject(new Error('async failure'));
      },
      onRunEnd() {
        throw new Error('cannot end');
      },
    };
    const { result } = await run(
      `title: t
scope: { compose: shop }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: api } }
  - wait: 50ms
`,
      docker,
      { reporter: broken },
    );
    expect(calls).toBeGreaterThan(5);
    expect(result.outcome).toBe('passed');
    for (const name of API) expect(docker.stateOf(name)).toBe('running');
    expect(result.faults.map((fault) => fault.status)).toEqual(['reverted', 'reverted', 'reverted']);
  });

  it('runs the rollbacks, in the experiment folder, even when the run deviated', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 }, duration: 200ms }
rollbacks:
  - name: mark
    command: [node, -e, "require('fs').writeFileSync('rolled-back.txt', 'yes')"]
recovery: 1s
`,
      docker,
      {
        onEvent(entry) {
          if (entry.type === 'fault-injected') setHealth('down');
          if (entry.type === 'fault-reverted') setHealth('ok');
        },
      },
    );
    expect(result.outcome).toBe('deviated');
    expect(readFileSync(path.join(dir, 'rolled-back.txt'), 'utf8')).toBe('yes');
    expect(result.journal).toContainEqual(
      expect.objectContaining({ type: 'step-end', step: 'rollbacks[0]', label: 'mark', status: 'done' }),
    );
    const phases = eventsOf(result, 'phase').map((entry) => entry.phase);
    expect(phases.at(-1)).toBe('rollbacks');
  });

  it('errors when a rollback fails, after running the others', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 }, duration: 50ms }
rollbacks:
  - command: [node, -e, "console.error('no lock'); process.exit(1)"]
  - command: [touch, second.txt]
`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain('a rollback failed: rollbacks[0] run node -e');
    expect(result.summary).toContain('exited with 1: no lock');
    expect(existsSync(path.join(dir, 'second.txt'))).toBe(true);
  });

  describe('recovery', () => {
    const recovering = (recovery: string) => `title: t
hypothesis:
  - name: baseline
    container: { target: { name: shop-db-1 } }
  - name: shop recovers
    command: [cat, health.txt]
    expect: { stdout: { equals: ok } }
    when: [after]
    every: 50ms
method:
  - pause: { target: { name: shop-api-1 }, duration: 50ms }
recovery: ${recovery}
`;
    // The shop breaks with the fault and needs 300ms after it is reverted to answer again.
    const slowToRecover = (entry: JournalEntry) => {
      if (entry.type === 'fault-injected') setHealth('down');
      if (entry.type === 'phase' && entry.phase === 'after') later(300, () => setHealth('ok'));
    };

    it('passes when the after probe passes within the recovery deadline', async () => {
      const { result } = await run(recovering('3s'), shop(), { onEvent: slowToRecover });
      expect(result.outcome).toBe('passed');
      expect(summaryOf(result, 'shop recovers', 'after')).toMatchObject({
        status: 'pass',
        samples: 1,
        failures: 0,
      });
      const afterSamples = eventsOf(result, 'probe').filter((entry) => entry.sample.phase === 'after');
      expect(afterSamples.map((entry) => entry.sample.status).at(-1)).toBe('pass');
      expect(afterSamples.filter((entry) => entry.sample.status === 'fail').length).toBeGreaterThanOrEqual(1);
    });

    it('deviates when the after probe passes only after the recovery deadline', async () => {
      const { result } = await run(recovering('100ms'), shop(), { onEvent: slowToRecover });
      expect(result.outcome).toBe('deviated');
      expect(result.exitCode).toBe(1);
      expect(summaryOf(result, 'shop recovers', 'after')).toMatchObject({
        status: 'fail',
        reason: 'not recovered within 0.1s: stdout equals: expected "ok", saw down',
      });
    });
  });

  it('reverts kill, stop and restart faults run in parallel by starting the containers', async () => {
    const docker = shop();
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - parallel:
      - kill: { target: { name: shop-db-1 }, signal: SIGTERM }
      - stop: { target: { name: shop-api-1 }, grace: 1s }
      - restart: { target: { name: shop-api-2 } }
  - wait: 50ms
`,
      docker,
    );
    expect(result.outcome).toBe('passed');
    expect(docker.calls.filter((call) => call.op === 'kill')).toEqual([
      { op: 'kill', name: 'shop-db-1', args: ['SIGTERM'] },
    ]);
    expect(docker.calls.filter((call) => call.op === 'stop')).toEqual([
      { op: 'stop', name: 'shop-api-1', args: [1] },
    ]);
    expect(sorted(docker.callsTo('start'))).toEqual(['shop-api-1', 'shop-db-1']);
    for (const name of ['shop-db-1', 'shop-api-1', 'shop-api-2'])
      expect(docker.stateOf(name)).toBe('running');
    const byTarget = Object.fromEntries(
      result.faults.map((fault) => [fault.target.name, [fault.fault, fault.status, fault.detail]]),
    );
    expect(byTarget).toEqual({
      'shop-db-1': ['kill', 'reverted', 'started'],
      'shop-api-1': ['stop', 'reverted', 'started'],
      'shop-api-2': ['restart', 'already-reverted', 'running'],
    });
  });

  it('runs a background fault alongside the next steps and reverts it at its end', async () => {
    const docker = shop();
    const seen: string[] = [];
    const { result } = await run(
      `title: t
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { name: shop-api-1 }, duration: 200ms, background: true }
  - wait: 50ms
`,
      docker,
      {
        onEvent(entry, fake) {
          if (entry.type === 'step-end' && entry.step === 'method[1]') seen.push(fake.stateOf('shop-api-1'));
        },
      },
    );
    // The wait ran while the pause was in place...
    expect(seen).toEqual(['paused']);
    // ...and the method waited for the background step before it ended.
    const pauseEnd = result.journal.find((entry) => entry.type === 'step-end' && entry.step === 'method[0]')!;
    const waitEnd = result.journal.find((entry) => entry.type === 'step-end' && entry.step === 'method[1]')!;
    expect(waitEnd.t).toBeLessThan(pauseEnd.t);
    expect(eventsOf(result, 'fault-reverted')[0]!.heldMs).toBeGreaterThanOrEqual(195);
    expect(result.outcome).toBe('passed');
    expect(docker.stateOf('shop-api-1')).toBe('running');
  });

  it('picks the same targets for the same seed', async () => {
    const yaml = `title: t
scope: { compose: shop }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: api, count: 1 }, duration: 50ms }
`;
    const picks: string[] = [];
    for (const seed of [11, 11, 12, 13, 14, 15, 16]) {
      const docker = shop();
      await run(yaml, docker, { seed });
      expect(docker.callsTo('pause')).toHaveLength(1);
      picks.push(docker.callsTo('pause')[0]!);
    }
    expect(picks[0]).toBe(picks[1]);
    expect(new Set(picks).size).toBeGreaterThan(1);
  });

  it('does not count a paused container as a probe error: an exec probe into it fails', async () => {
    const docker = new FakeDocker([
      {
        ...service('shop-api-1', 'api'),
        exec: () => ({ exitCode: 0, stdout: 'ok', stderr: '', timedOut: false }),
      },
    ]);
    const { result } = await run(
      `title: t
hypothesis:
  - name: api answers inside
    exec: { target: { name: shop-api-1 }, command: [wget, -qO-, localhost] }
    every: 50ms
method:
  - pause: { target: { name: shop-api-1 }, duration: 150ms }
recovery: 1s
`,
      docker,
    );
    expect(result.outcome).toBe('deviated');
    const during = summaryOf(result, 'api answers inside', 'during')!;
    expect(during.status).toBe('fail');
    expect(during.reason).toMatch(/^exit code: expected 0, saw shop-api-1: Container .* is paused/);
    expect(docker.calls.find((call) => call.op === 'exec')!.args[0]).toEqual(['wget', '-qO-', 'localhost']);
  });
});

describe('max-hold', () => {
  it('refuses a fault whose duration is longer, before anything is injected', async () => {
    const docker = shop();
    const { result } = await run(
      `title: too long
scope: { compose: shop }
safety: { max-hold: 200ms }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: db }, duration: 1s }
`,
      docker,
    );
    expect(result.outcome).toBe('errored');
    expect(result.summary).toContain(
      'method[0] pause lasts 1s, longer than max-hold (200ms); nothing was injected',
    );
    expect(result.summary).toContain('raise --max-hold / safety.max-hold');
    expect(docker.callsTo('pause')).toEqual([]);
  });

  it('stops the run (aborted) when a fault without a duration reaches it, reverting everything', async () => {
    const docker = shop();
    const started = Date.now();
    const { result } = await run(
      `title: held too long
scope: { compose: shop }
safety: { max-hold: 300ms }
hypothesis:
${SHOP_ANSWERS}method:
  - pause: { target: { service: db } }
  - wait: 10s
`,
      docker,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.outcome).toBe('aborted');
    expect(result.exitCode).toBe(5);
    expect(result.summary).toMatch(
      /aborted by the hold limit: pause on shop-db-1 reached max-hold \(300ms\)/,
    );
    expect(docker.stateOf('shop-db-1')).toBe('running');
    const held = result.faults.map((fault) => Date.parse(fault.revertedAt!) - Date.parse(fault.injectedAt));
    expect(Math.max(...held)).toBeGreaterThanOrEqual(290);
    expect(Math.max(...held)).toBeLessThan(1500);
  });
});
