import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileReporter } from '../../../src/reporters/file-report.js';
import { renderJunit } from '../../../src/reporters/junit.js';
import { REPORTS } from '../../../src/reporters/registry.js';
import { escapeAttribute, escapeText } from '../../../src/reporters/xml-text.js';
import { deviatedRun, erroredRun, revertFailedRun, session } from './fixtures.js';
import { child, findAll, parseXml, type XmlElement } from './parse-xml.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-junit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function suiteNamed(root: XmlElement, name: string): XmlElement {
  const suite = findAll(root, 'testsuite').find((candidate) => candidate.attributes.name === name);
  if (!suite) throw new Error(`no testsuite named ${name}`);
  return suite;
}

function caseNamed(suite: XmlElement, name: string): XmlElement {
  const testcase = findAll(suite, 'testcase').find((candidate) => candidate.attributes.name === name);
  if (!testcase) throw new Error(`no testcase named ${name}`);
  return testcase;
}

const fullSession = () =>
  session([deviatedRun(), revertFailedRun(), erroredRun()], {
    invalid: [
      {
        file: 'experiments/typo.yaml',
        message: 'typo.yaml:3:5 method[0].fault: unknown fault "puase"\n  did you mean "pause"?',
      },
    ],
    exitCode: 4,
    durationMs: 31_500,
  });

describe('the junit report file', () => {
  it('writes a well-formed file, creating its directory, with no temporary file left', async () => {
    const path = join(dir, 'reports', 'junit.xml');
    await createFileReporter(REPORTS.junit, { path }).onSessionEnd?.(fullSession());
    const xml = await readFile(path, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(parseXml(xml).name).toBe('testsuites');
    expect(await readdir(join(dir, 'reports'))).toEqual(['junit.xml']);
  });
});

describe('renderJunit', () => {
  it('counts tests, failures, errors and skips across every suite', () => {
    const root = parseXml(renderJunit(fullSession()));
    // deviated: 3 probes + reverts; revert-failed: 1 probe + reverts; errored: 3 probes + reverts + run;
    // invalid file: 1.
    expect(root.attributes).toMatchObject({
      name: 'faultline',
      tests: '12',
      failures: '2',
      errors: '3',
      skipped: '2',
      time: '31.500',
      timestamp: '2025-03-01T10:00:00',
    });
    expect(findAll(root, 'testsuite')).toHaveLength(4);
  });

  it('makes one suite per run, named by its title, with a testcase per probe named after its phase', () => {
    const suite = suiteNamed(
      parseXml(renderJunit(session([deviatedRun()]))),
      'Checkout survives a paused database',
    );
    expect(suite.attributes).toMatchObject({
      tests: '4',
      failures: '1',
      errors: '0',
      skipped: '0',
      time: '12.000',
      timestamp: '2025-03-01T10:00:00',
      file: 'experiments/checkout.yaml',
    });
    expect(findAll(suite, 'testcase').map((testcase) => testcase.attributes.name)).toEqual([
      'before: checkout responds',
      'during: checkout responds',
      'after: checkout responds',
      'faults reverted',
    ]);
    const before = caseNamed(suite, 'before: checkout responds');
    expect(before.attributes).toMatchObject({ classname: 'experiments/checkout.yaml', time: '0.012' });
    expect(before.children).toEqual([]);
  });

  it('says what was expected and what was seen in the failure of a deviating probe', () => {
    const suite = suiteNamed(
      parseXml(renderJunit(session([deviatedRun()]))),
      'Checkout survives a paused database',
    );
    const during = caseNamed(suite, 'during: checkout responds');
    const failure = child(during, 'failure');
    expect(failure?.attributes.message).toBe('status: expected 200, saw 503');
    expect(failure?.attributes.type).toBe('deviation');
    expect(failure?.text).toContain('2 of 3 samples did not pass.');
    expect(failure?.text).toContain('+1.300s fail (3 attempts): status: expected 200, saw 503');
    expect(failure?.text).toContain('FAIL status: expected 200, saw 503');
    expect(failure?.text).toContain('ok   latency: expected < 500ms, saw 31ms');
    expect(during.attributes.time).toBe('0.092');
  });

  it('fails "faults reverted" with every fault left in place and the command that removes it', () => {
    const suite = suiteNamed(
      parseXml(renderJunit(session([revertFailedRun()]))),
      'Orders tolerate a slow API',
    );
    const failure = child(caseNamed(suite, 'faults reverted'), 'failure');
    expect(failure?.attributes.message).toBe(
      '1 fault is still in place: network-delay on shop-api-1 (service api)',
    );
    expect(failure?.text).toContain('RTNETLINK answers: Operation not permitted');
    expect(failure?.text).toContain(
      'remove it by hand: docker run --rm --net container:shop-api-1 --cap-add NET_ADMIN faultline-helper tc qdisc del dev eth0 root',
    );
    expect(findAll(suite, 'testcase').map((testcase) => testcase.attributes.name)).not.toContain('run');
  });

  it('lists reverted faults in the passing "faults reverted" testcase output', () => {
    const suite = suiteNamed(
      parseXml(renderJunit(session([deviatedRun()]))),
      'Checkout survives a paused database',
    );
    const reverts = caseNamed(suite, 'faults reverted');
    expect(child(reverts, 'failure')).toBeUndefined();
    expect(child(reverts, 'system-out')?.text).toBe(
      'pause [pause-db#1] on shop-db-1 (service db): reverted (unpaused)',
    );
  });

  it('reports an errored run as an error with its summary, the probe error, and skipped probes', () => {
    const suite = suiteNamed(
      parseXml(renderJunit(session([erroredRun()]))),
      'Search survives a killed cache',
    );
    const run = child(caseNamed(suite, 'run'), 'error');
    expect(run?.attributes).toMatchObject({ type: 'errored', message: erroredRun().summary });
    expect(child(caseNamed(suite, 'before: search responds'), 'error')?.attributes.message).toBe(
      'connect ECONNREFUSED 127.0.0.1:8080',
    );
    expect(child(caseNamed(suite, 'during: search responds'), 'skipped')).toBeDefined();
    expect(child(caseNamed(suite, 'after: search responds'), 'skipped')).toBeDefined();
    expect(suite.attributes).toMatchObject({ tests: '5', failures: '0', errors: '2', skipped: '2' });
  });

  it('marks an interrupted run with a "run" error too', () => {
    const interrupted = deviatedRun({
      outcome: 'interrupted',
      exitCode: 130,
      summary: 'Interrupted by SIGINT; every fault was reverted.',
    });
    const suite = suiteNamed(parseXml(renderJunit(session([interrupted]))), interrupted.title);
    expect(child(caseNamed(suite, 'run'), 'error')?.attributes).toMatchObject({
      type: 'interrupted',
      message: 'Interrupted by SIGINT; every fault was reverted.',
    });
  });

  it('turns each invalid file into a suite with one errored testcase carrying its message', () => {
    const suite = suiteNamed(parseXml(renderJunit(fullSession())), 'experiments/typo.yaml');
    const error = child(caseNamed(suite, 'valid experiment file'), 'error');
    expect(error?.attributes.message).toBe('typo.yaml:3:5 method[0].fault: unknown fault "puase"');
    expect(error?.text).toBe('typo.yaml:3:5 method[0].fault: unknown fault "puase"\n  did you mean "pause"?');
    expect(suite.attributes).toMatchObject({ tests: '1', errors: '1' });
  });

  it('puts the journal, one timestamped line per entry, in the suite output', () => {
    const suite = suiteNamed(
      parseXml(renderJunit(session([deviatedRun(), erroredRun()]))),
      'Checkout survives a paused database',
    );
    const out = child(suite, 'system-out')?.text.split('\n') ?? [];
    expect(out).toHaveLength(deviatedRun().journal.length);
    expect(out).toContain('10:00:00.020 +0.020s pause-db: service=db matched shop-db-1 (service db)');
    expect(out).toContain(
      '10:00:00.300 +0.300s injected pause [pause-db#1] into shop-db-1 (service db): paused',
    );
    expect(out).toContain(
      '10:00:10.350 +10.350s revert pause [pause-db#1] on shop-db-1 (service db): reverted after 10s: unpaused',
    );
    expect(out).toContain(
      '10:00:01.300 +1.300s probe during: checkout responds: fail (3 attempts, 40ms): status: expected 200, saw 503',
    );
    const errored = child(
      suiteNamed(parseXml(renderJunit(session([erroredRun()]))), 'Search survives a killed cache'),
      'system-out',
    );
    expect(errored?.text).toContain(
      '10:00:00.006 +0.006s error: baseline not met\n                     no fault was injected',
    );
  });
});

describe('escaping', () => {
  const nasty =
    'Tom & Jerry\'s <"db"> ]]> \u0000\u0007\u001b[31mred\u001b[0m\u000b\uffff\ud800 tab\there\nline two';

  it('keeps the document well formed whatever the titles, reasons and output contain', () => {
    const run = deviatedRun({ title: nasty, summary: nasty, outcome: 'errored', exitCode: 3 });
    run.probes[1] = { ...run.probes[1]!, probe: nasty, reason: nasty };
    run.journal.push({ type: 'log', level: 'warn', message: nasty, at: run.finishedAt, t: 12_000 });
    const root = parseXml(renderJunit(session([run], { invalid: [{ file: nasty, message: nasty }] })));

    const readable = 'Tom & Jerry\'s <"db"> ]]> \\x00\\x07red\\x0b\ufffd\ufffd tab\there\nline two';
    const suite = suiteNamed(root, readable);
    expect(child(caseNamed(suite, `during: ${readable}`), 'failure')?.attributes.message).toBe(readable);
    expect(child(caseNamed(suite, 'run'), 'error')?.attributes.message).toBe(readable);
    expect(child(suite, 'system-out')?.text).toContain('warn: Tom & Jerry\'s <"db"> ]]> \\x00\\x07red');
  });

  it('writes the exact escapes', () => {
    expect(escapeText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;');
    expect(escapeAttribute('say "hi" & it\'s <ok>\n\tnext\r')).toBe(
      'say &quot;hi&quot; &amp; it&apos;s &lt;ok&gt;&#10;&#9;next&#13;',
    );
    expect(escapeText('bell\u0007 nul\u0000 esc\u001b[1mbold\u001b[0m')).toBe('bell\\x07 nul\\x00 escbold');
    expect(escapeText('title\u001b[2J\u001b[H\u0007 csi\u009b2J del\u007f')).toBe(
      'title\\x1b[2J\\x1b[H\\x07 csi\\x9b2J del\\x7f',
    );
    expect(escapeText('emoji \ud83d\ude00 stays, lone \ud83d goes')).toBe(
      'emoji \ud83d\ude00 stays, lone \ufffd goes',
    );
  });
});
