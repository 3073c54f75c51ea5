import { describe, expect, it } from 'vitest';
import { detectName } from '../../../src/engine/detect.js';
import { count, detectProbeName, percent } from '../../../src/reporters/data-text.js';
import { renderJsonReport } from '../../../src/reporters/json.js';
import { renderJunit } from '../../../src/reporters/junit.js';
import { renderMarkdown } from '../../../src/reporters/markdown.js';
import { dataRun, unjudgedRun, WORKLOAD } from './data-fixtures.js';
import { deviatedRun, session } from './fixtures.js';
import { parseXml, type XmlElement } from './parse-xml.js';

/** The Markdown section that starts with `heading`, up to the next heading of the same level or above. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" in the report`);
  const level = heading.split(' ')[0]!.length;
  const rest = markdown.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  return heading + (end < 0 ? rest : rest.slice(0, end));
}

describe('the Markdown report: data and detection', () => {
  const markdown = renderMarkdown(session([dataRun()]));

  it('gives each workload its writes per phase with availability, as a table', () => {
    const data = section(markdown, '### Data');
    expect(data).toContain(`#### ${WORKLOAD}`);
    expect(data).toContain('Thresholds: `lost == 0`, `duplicates == 0`, `available.before > 90%`');
    expect(data).toContain(
      '| Phase | Attempted | Acknowledged | Refused | Indeterminate | Skipped | Available |',
    );
    expect(data).toContain('| before | 100 | 100 | 0 | 0 | 0 | 100% |');
    expect(data).toContain('| during | 171 | 69 | 85 | 17 | 29 | 40.4% |');
    expect(data).toContain('| after | 460 | 460 | 0 | 0 | 0 | 100% |');
    expect(data).toContain('| **all** | 731 | 629 | 85 | 17 | 29 | 86% |');
  });

  it('counts lost, duplicated and indeterminate writes, and names the first lost and duplicated ones', () => {
    const data = section(markdown, '### Data');
    expect(data).toContain('- **3 lost** (acknowledged, missing from the read-back)');
    expect(data).toContain('- **1 duplicated** (1 extra copy)');
    expect(data).toContain('17 indeterminate (no answer in time; never counted as lost), 5 of them present');
    expect(data).toContain('**Lost writes** (acknowledged, then missing from the read-back; 3):');
    // When each was written (since the run started), in which phase, and what the system answered.
    expect(data).toContain(
      '| `fl7q2x-97` | +4.95s | before | acknowledged | 4ms | 201 {"stored":true,"replicated":false} |',
    );
    expect(data).toContain('| `fl7q2x-99` | +5.05s | before | acknowledged | 7ms | 201 {"stored":true} |');
    expect(data).toContain(
      '| `fl7q2x-301` | +15.2s | after | acknowledged | 980ms | 2 | 201 {"stored":true} |',
    );
    expect(data).not.toContain('Refused, yet present');
  });

  it('says of each detection check whether it noticed the fault, how fast, and within what deadline', () => {
    const detection = section(markdown, '### Detection');
    expect(detection).toContain(
      '| the error-rate alert fires | detected | 6.2s | 30s | value: expected \\> 0.05, saw 0.41 |',
    );
    expect(detection).toContain(
      '| replication lag is seen | **NOT detected** | - | 10s | value: expected \\> 5, saw 0.4 |',
    );
  });

  it('says why a workload has no data, and leaves both sections out of runs without them', () => {
    const unjudged = unjudgedRun('read-back: connect ECONNREFUSED 127.0.0.1:18090');
    const text = renderMarkdown(session([unjudged]));
    expect(section(text, '### Data')).toContain(
      '_not judged: read-back: connect ECONNREFUSED 127.0.0.1:18090_',
    );
    expect(section(text, '### Detection')).toContain(
      '| alert fires | not checked | - | 30s | no fault was injected |',
    );
    const plain = renderMarkdown(session([deviatedRun()]));
    expect(plain).not.toContain('### Data');
    expect(plain).not.toContain('### Detection');
  });

  it('escapes a probe name that would break the table or the heading', () => {
    const run = dataRun();
    const text = renderMarkdown(
      session([
        dataRun({
          workload: [{ ...run.workload![0]!, probe: 'a|b <i>' }],
          detect: [{ ...run.detect![0]!, probe: 'x|y' }],
        }),
      ]),
    );
    expect(text).toContain('#### a\\|b \\<i\\>');
    expect(text).toContain('| x\\|y | detected |');
  });
});

describe('the JSON report: data and detection', () => {
  it('carries each workload and detection as the run recorded them', () => {
    const run = dataRun();
    const report = JSON.parse(renderJsonReport(session([run])));
    expect(report.format).toBe('faultline-journal/1');
    expect(report.runs[0].workload).toEqual(run.workload);
    expect(report.runs[0].detect).toEqual(run.detect);
    expect(report.runs[0].workload[0].report.timeline).toHaveLength(38);
  });
});

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((candidate) => candidate.name === name);
}

describe('the JUnit report: data and detection', () => {
  const xml = parseXml(renderJunit(session([dataRun()])));
  const cases = child(xml, 'testsuite')!.children.filter((element) => element.name === 'testcase');
  const named = (name: string) => cases.find((testcase) => testcase.attributes.name === name);

  it('fails the workload case with its reason, and names the lost and duplicated writes', () => {
    const failure = child(named(`after: ${WORKLOAD}`)!, 'failure');
    expect(failure?.attributes.message).toBe('lost 3 (expected == 0); duplicates 1 (expected == 0)');
    expect(failure?.text).toContain(
      '+38.300s fail (731 writes, 629 acknowledged, 3 lost, 1 duplicate, 17 indeterminate, 29 skipped): lost 3 (expected == 0); duplicates 1 (expected == 0)',
    );
    expect(failure?.text).toContain('available before 100% during 40.4% after 100%.');
    expect(failure?.text).not.toContain('attempt');
    expect(failure?.text).toContain(
      'lost (3):\n  fl7q2x-97 written +4.950s (before), acknowledged: 201 {"stored":true,"replicated":false}',
    );
    expect(failure?.text).toContain(
      'duplicated (1):\n  fl7q2x-301 written +15.150s (after), acknowledged, held 2 times',
    );
  });

  it("counts the workload's writes in the journal, and the attempts of every other probe", () => {
    const out = child(child(xml, 'testsuite')!, 'system-out')?.text ?? '';
    expect(out).toContain(
      `probe after: ${WORKLOAD}: fail (731 writes, 629 acknowledged, 3 lost, 1 duplicate, 17 indeterminate, 29 skipped, 140ms): lost 3`,
    );
    expect(out).toMatch(/probe during: detect: replication lag is seen: fail \(\d+ attempts?, /);
  });

  it('fails a detection that did not notice, and passes one that did', () => {
    const missed = child(named('during: detect: replication lag is seen')!, 'failure');
    expect(missed?.attributes.message).toBe(
      'not noticed within 10s of the first fault: value: expected > 5, saw 0.4',
    );
    expect(missed?.text).toContain('FAIL time to detect: expected within 10s, saw not within the deadline');
    expect(named('during: detect: the error-rate alert fires')?.children).toEqual([]);
  });
});

describe('the words every report uses for data', () => {
  it('writes counts with separators and never rounds a share up to 100% or down to 0%', () => {
    expect(count(1204)).toBe('1,204');
    expect(percent(1)).toBe('100%');
    expect(percent(0.9996)).toBe('99.9%');
    expect(percent(0.404)).toBe('40.4%');
    expect(percent(0.0004)).toBe('0.1%');
    expect(percent(0)).toBe('0%');
  });

  it('names a detection as the engine names its samples', () => {
    expect(detectProbeName({ probe: 'the alert fires' })).toBe(detectName({ name: 'the alert fires' }));
  });
});
