import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reporter, RunStart } from '../../../src/engine/port.js';
import type { JournalEntry, RunResult, SessionResult } from '../../../src/model/journal.js';
import { createFileReporter } from '../../../src/reporters/file-report.js';
import type { ReporterHook } from '../../../src/reporters/multiplexer.js';
import { ReporterMultiplexer } from '../../../src/reporters/multiplexer.js';
import { REPORTS } from '../../../src/reporters/registry.js';
import { Redactor } from '../../../src/util/redact.js';
import { deviatedRun, entry, START, sample, session } from './fixtures.js';

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

  it("gives reporters only redacted data, and leaves the caller's data as it was", async () => {
    const secret = 'mux-line-one\nmux-line-two';
    const redactor = new Redactor();
    redactor.add('TOKEN', secret);
    const seen: unknown[] = [];
    const spy: Reporter = {
      name: 'spy',
      onRunStart: (start) => void seen.push(start),
      onEvent: (e) => void seen.push(e),
      onRunEnd: (result) => void seen.push(result),
      onSessionEnd: (s) => void seen.push(s),
    };
    const leaky = secretRun(secret);
    const multiplexer = new ReporterMultiplexer([spy], () => {}, redactor);
    await multiplexer.onRunStart({ ...runStart, title: `uses ${secret}` });
    await multiplexer.onEvent(leaky.journal[0]!);
    await multiplexer.onRunEnd(leaky);
    await multiplexer.onSessionEnd(session([leaky]));

    const text = JSON.stringify(seen);
    for (const part of ['mux-line-one', 'mux-line-two']) expect(text).not.toContain(part);
    expect(text).toContain('[secret TOKEN]');
    expect(leaky.probes[0]!.reason).toContain(secret);
  });

  it('keeps secrets out of every report file and the GitHub step summary', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'faultline-mux-'));
    const secret = 'report-line-one\nreport-line-two\n';
    const redactor = new Redactor();
    redactor.add('TOKEN', secret);
    const files = {
      json: path.join(dir, 'r.json'),
      junit: path.join(dir, 'r.xml'),
      markdown: path.join(dir, 'r.md'),
      html: path.join(dir, 'r.html'),
      summary: path.join(dir, 'summary.md'),
    };
    const multiplexer = new ReporterMultiplexer(
      [
        createFileReporter(REPORTS.json, { path: files.json }),
        createFileReporter(REPORTS.junit, { path: files.junit }),
        createFileReporter(REPORTS.markdown, { path: files.markdown, jobSummary: files.summary }),
        createFileReporter(REPORTS.html, { path: files.html }),
      ],
      (name, hook, error) => {
        throw new Error(`${name}.${hook}: ${String(error)}`);
      },
      redactor,
    );
    const leaky = secretRun(secret);
    const start: RunStart = { ...runStart, title: leaky.title };
    await multiplexer.onRunStart(start);
    for (const e of leaky.journal) await multiplexer.onEvent(e);
    await multiplexer.onRunEnd(leaky);
    const ended: SessionResult = {
      ...session([leaky]),
      invalid: [{ file: 'x.yaml', message: `bad ${secret}` }],
    };
    await multiplexer.onSessionEnd(ended);
    expect(multiplexer.errors).toEqual([]);

    for (const file of Object.values(files)) {
      const text = await readFile(file, 'utf8');
      expect(text.length).toBeGreaterThan(0);
      for (const part of ['report-line-one', 'report-line-two']) expect(text, file).not.toContain(part);
    }
    expect(await readFile(files.json, 'utf8')).toContain('[secret TOKEN]');
  });
});

/** A run whose every kind of text quotes the secret, as an HTTP client's error would. */
function secretRun(secret: string): RunResult {
  const reason = `probe could not run: TypeError: Headers.append: "Bearer ${secret}" is an invalid header value.`;
  const failing = sample(10, {
    status: 'error',
    reason,
    checks: [{ name: 'status', expected: '2xx', actual: reason, ok: false }],
  });
  const journal: JournalEntry[] = [
    entry(0, { type: 'phase', phase: 'before' }),
    entry(10, { type: 'probe', sample: failing }),
    entry(20, { type: 'log', level: 'error', message: `token ${secret}` }),
  ];
  return deviatedRun({
    title: `secret title ${secret}`,
    outcome: 'errored',
    exitCode: 3,
    summary: `baseline not met (${reason})`,
    faults: [],
    probes: [{ probe: 'api', phase: 'before', status: 'error', samples: 1, failures: 1, reason }],
    journal,
  });
}
