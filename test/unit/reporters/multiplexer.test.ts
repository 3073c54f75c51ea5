import { describe, expect, it } from 'vitest';
import type { ReporterHook } from '../../../src/reporters/multiplexer.js';
import { ReporterMultiplexer } from '../../../src/reporters/multiplexer.js';
import type { Reporter } from '../../../src/reporters/reporter.js';
import { deviatedRun, entry, START, session } from './fixtures.js';

const run = deviatedRun();
const runStart = { file: run.file, title: run.title, seed: run.seed, startedAt: START };
const event = entry(0, { type: 'phase', phase: 'before' });

async function callEveryHook(multiplexer: ReporterMultiplexer): Promise<void> {
  await multiplexer.onRunStart(runStart);
  await multiplexer.onEvent(event);
  await multiplexer.onRunEnd(run);
  await multiplexer.onSessionEnd(session([run]));
}

/** Throws synchronously from two hooks and rejects from the other two. */
const broken: Reporter = {
  name: 'broken',
  onRunStart() {
    throw new Error('cannot start');
  },
  async onEvent() {
    throw new Error('disk full');
  },
  onRunEnd() {
    throw 'a plain string';
  },
  onSessionEnd: () => Promise.reject(new TypeError('bad session')),
};

function recorder(name: string, log: string[]): Reporter {
  return {
    name,
    onRunStart: (start) => void log.push(`${name}:start:${start.title}`),
    onEvent: (e) => void log.push(`${name}:event:${e.type}`),
    onRunEnd: (result) => void log.push(`${name}:end:${result.outcome}`),
    onSessionEnd: (s) => void log.push(`${name}:session:${s.exitCode}`),
  };
}

describe('ReporterMultiplexer', () => {
  it('keeps calling the other reporters when one throws in every hook, and records each error', async () => {
    const log: string[] = [];
    const reported: [string, ReporterHook, unknown][] = [];
    const multiplexer = new ReporterMultiplexer([broken, recorder('console', log)], (name, hook, error) =>
      reported.push([name, hook, error]),
    );

    await expect(callEveryHook(multiplexer)).resolves.toBeUndefined();

    expect(log).toEqual([
      `console:start:${run.title}`,
      'console:event:phase',
      'console:end:deviated',
      'console:session:1',
    ]);
    expect(multiplexer.errors).toEqual([
      { reporter: 'broken', hook: 'onRunStart', message: 'cannot start' },
      { reporter: 'broken', hook: 'onEvent', message: 'disk full' },
      { reporter: 'broken', hook: 'onRunEnd', message: 'a plain string' },
      { reporter: 'broken', hook: 'onSessionEnd', message: 'bad session' },
    ]);
    expect(reported.map(([name, hook]) => `${name}.${hook}`)).toEqual([
      'broken.onRunStart',
      'broken.onEvent',
      'broken.onRunEnd',
      'broken.onSessionEnd',
    ]);
    expect(reported[3]?.[2]).toBeInstanceOf(TypeError);
  });

  it('awaits each reporter before calling the next, in the order given', async () => {
    const log: string[] = [];
    const slow: Reporter = {
      name: 'slow',
      async onRunEnd() {
        log.push('slow:begin');
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push('slow:done');
      },
    };
    const multiplexer = new ReporterMultiplexer([slow, recorder('fast', log)]);

    await multiplexer.onRunEnd(run);

    expect(log).toEqual(['slow:begin', 'slow:done', 'fast:end:deviated']);
  });

  it('survives an error handler that throws, and reporters that implement no hook', async () => {
    const log: string[] = [];
    const multiplexer = new ReporterMultiplexer([broken, { name: 'empty' }, recorder('last', log)], () => {
      throw new Error('handler broke');
    });

    await expect(callEveryHook(multiplexer)).resolves.toBeUndefined();

    expect(log).toHaveLength(4);
    expect(multiplexer.errors).toHaveLength(4);
  });

  it('records nothing when every reporter succeeds', async () => {
    const multiplexer = new ReporterMultiplexer([recorder('a', []), recorder('b', [])]);
    await callEveryHook(multiplexer);
    expect(multiplexer.errors).toEqual([]);
  });
});
