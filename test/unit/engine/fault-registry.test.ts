import { describe, expect, it } from 'vitest';
import { FaultRegistry } from '../../../src/engine/fault-registry.js';
import { Recorder } from '../../../src/engine/recorder.js';
import type { InjectedFault, RevertOutcome } from '../../../src/faults/fault.js';
import type { JournalEntry } from '../../../src/model/journal.js';

function fakeFault(id: string, revert: () => Promise<RevertOutcome>): InjectedFault & { reverts: number } {
  const fault = {
    id,
    kind: 'pause',
    target: { id: `${id}-container`, name: `${id}-container` },
    injectedAt: new Date(Date.now() - 1000),
    detail: 'paused',
    remedy: `docker unpause ${id}-container`,
    reverts: 0,
    async revert() {
      fault.reverts++;
      return revert();
    },
    async [Symbol.asyncDispose]() {
      await fault.revert();
    },
  };
  return fault;
}

function setup() {
  const seen: JournalEntry[] = [];
  const recorder = new Recorder((entry) => void seen.push(entry));
  return { registry: new FaultRegistry(recorder), recorder, seen };
}

describe('FaultRegistry', () => {
  it('numbers fault ids per run', () => {
    const { registry } = setup();
    expect([registry.nextId('pause'), registry.nextId('kill'), registry.nextId('pause')]).toEqual([
      'pause-1',
      'kill-2',
      'pause-3',
    ]);
  });

  it('counts a fault as active from the start of its injection until it is reverted', async () => {
    const { registry } = setup();
    expect(registry.hasActive()).toBe(false);
    const done = registry.beginInjection();
    expect(registry.hasActive()).toBe(true);
    const fault = fakeFault('a', async () => ({ status: 'reverted', detail: 'unpaused' }));
    registry.add(fault);
    done();
    done(); // a second call changes nothing
    expect(registry.hasActive()).toBe(true);
    expect(registry.active()).toEqual([fault]);
    await registry.revert(fault);
    expect(registry.hasActive()).toBe(false);
    expect(registry.active()).toEqual([]);
  });

  it('journals the injection and each revert exactly once, however often it is asked', async () => {
    const { registry, seen } = setup();
    const fault = fakeFault('a', async () => ({ status: 'reverted', detail: 'unpaused' }));
    registry.add(fault);
    await Promise.all([registry.revert(fault), registry.revert(fault), registry.revertAll()]);
    await registry.revertAll();
    expect(fault.reverts).toBe(1);
    expect(seen.map((entry) => entry.type)).toEqual(['fault-injected', 'fault-reverted']);
    const reverted = seen[1] as Extract<JournalEntry, { type: 'fault-reverted' }>;
    expect(reverted).toMatchObject({ faultId: 'a', status: 'reverted', detail: 'unpaused' });
    expect(reverted.heldMs).toBeGreaterThanOrEqual(1000);
    expect(reverted.remedy).toBeUndefined();
    expect(registry.records()).toEqual([
      expect.objectContaining({
        faultId: 'a',
        status: 'reverted',
        detail: 'unpaused',
        revertedAt: expect.any(String),
      }),
    ]);
  });

  it('reverts everything, and never throws even when a revert does', async () => {
    const { registry, seen } = setup();
    const good = fakeFault('good', async () => ({ status: 'reverted', detail: 'unpaused' }));
    const broken = fakeFault('broken', async () => {
      throw new Error('daemon hung up');
    });
    const failed = fakeFault('failed', async () => ({ status: 'failed', detail: 'cgroup frozen' }));
    for (const fault of [good, broken, failed]) registry.add(fault);
    const outcomes = await registry.revertAll();
    expect(outcomes).toEqual([
      { status: 'reverted', detail: 'unpaused' },
      { status: 'failed', detail: 'daemon hung up' },
      { status: 'failed', detail: 'cgroup frozen' },
    ]);
    expect(registry.records().map((record) => [record.faultId, record.status, record.remedy])).toEqual([
      ['good', 'reverted', undefined],
      ['broken', 'failed', 'docker unpause broken-container'],
      ['failed', 'failed', 'docker unpause failed-container'],
    ]);
    expect(seen.filter((entry) => entry.type === 'fault-reverted')).toContainEqual(
      expect.objectContaining({
        faultId: 'broken',
        status: 'failed',
        remedy: 'docker unpause broken-container',
      }),
    );
    // What a forced exit would have to mention: the faults not confirmed reverted.
    expect(registry.possiblyLeft().map((fault) => fault.id)).toEqual(['broken', 'failed']);
  });

  it('lists faults still in place as possibly left', () => {
    const { registry } = setup();
    registry.add(fakeFault('a', async () => ({ status: 'reverted', detail: 'x' })));
    expect(registry.possiblyLeft().map((fault) => fault.id)).toEqual(['a']);
  });

  it('warns when the target was gone', async () => {
    const { registry, seen } = setup();
    const fault = fakeFault('a', async () => ({
      status: 'target-gone',
      detail: 'the container was removed',
    }));
    registry.add(fault);
    await registry.revert(fault);
    expect(seen.at(-1)).toMatchObject({
      type: 'log',
      level: 'warn',
      message: 'a-container: the container was removed',
    });
    expect(registry.possiblyLeft()).toEqual([]);
  });

  it("prints a fault's warnings as warnings, after its injection", () => {
    const { registry, seen } = setup();
    const fault = {
      ...fakeFault('a', async () => ({ status: 'reverted', detail: 'x' })),
      warnings: ['2 connections opened before the fault still bypass it until they close'],
    };
    registry.add(fault);
    expect(seen.map((entry) => entry.type)).toEqual(['fault-injected', 'log']);
    expect(seen.at(-1)).toMatchObject({
      type: 'log',
      level: 'warn',
      message: 'a-container: 2 connections opened before the fault still bypass it until they close',
    });
  });
});

describe('Recorder', () => {
  it('keeps every entry with a time, and survives a sink that throws or rejects', async () => {
    let calls = 0;
    const recorder = new Recorder(() => {
      calls++;
      if (calls === 1) throw new Error('sync');
      return Promise.reject(new Error('async'));
    });
    recorder.record({ type: 'phase', phase: 'before' });
    recorder.log('info', 'hello');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    expect(recorder.entries).toEqual([
      expect.objectContaining({
        type: 'phase',
        phase: 'before',
        at: expect.any(String),
        t: expect.any(Number),
      }),
      expect.objectContaining({ type: 'log', level: 'info', message: 'hello' }),
    ]);
    expect(Number.isNaN(Date.parse(recorder.entries[0]!.at))).toBe(false);
  });
});
