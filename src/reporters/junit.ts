import type { SessionResult } from '../model/journal.js';
import { type JunitCase, type JunitSuite, type JunitVerdict, junitSuites } from './junit/suites.js';
import { escapeAttribute, escapeText } from './xml-text.js';

/**
 * The session as JUnit XML: one testsuite per run, one testcase per probe, one for the reverts and,
 * when the run itself failed, one for the run. CI shows the tests; the exit code still decides the job.
 */
export function renderJunit(session: SessionResult): string {
  const suites = junitSuites(session);
  const cases = suites.flatMap((suite) => suite.cases);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes([
      ['name', 'faultline'],
      ...counts(cases),
      ['time', seconds(session.durationMs)],
      ['timestamp', junitTimestamp(session.startedAt)],
    ])}>`,
    ...suites.flatMap(renderSuite),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function renderSuite(suite: JunitSuite): string[] {
  const lines = [
    `  <testsuite${attributes([
      ['name', suite.name],
      ...counts(suite.cases),
      ['time', seconds(suite.timeMs)],
      ...(suite.timestamp ? [['timestamp', junitTimestamp(suite.timestamp)] as [string, string]] : []),
      ['file', suite.file],
    ])}>`,
  ];
  if (suite.properties.length > 0) {
    lines.push('    <properties>');
    for (const [name, value] of suite.properties)
      lines.push(
        `      <property${attributes([
          ['name', name],
          ['value', value],
        ])}/>`,
      );
    lines.push('    </properties>');
  }
  for (const testcase of suite.cases) lines.push(...renderCase(testcase));
  if (suite.systemOut) lines.push(`    <system-out>${escapeText(suite.systemOut)}</system-out>`);
  lines.push('  </testsuite>');
  return lines;
}

function renderCase(testcase: JunitCase): string[] {
  const open = `    <testcase${attributes([
    ['name', testcase.name],
    ['classname', testcase.classname],
    ['file', testcase.file],
    ['time', seconds(testcase.timeMs)],
  ])}`;
  const { verdict, systemOut } = testcase;
  if (!verdict && !systemOut) return [`${open}/>`];
  const lines = [`${open}>`];
  if (verdict) {
    const attrs = attributes([
      ['message', verdict.message],
      ...(verdict.type ? [['type', verdict.type] as [string, string]] : []),
    ]);
    lines.push(
      verdict.body
        ? `      <${verdict.kind}${attrs}>${escapeText(verdict.body)}</${verdict.kind}>`
        : `      <${verdict.kind}${attrs}/>`,
    );
  }
  if (systemOut) lines.push(`      <system-out>${escapeText(systemOut)}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}

function counts(cases: JunitCase[]): [string, string][] {
  const count = (kind: JunitVerdict['kind']) => String(cases.filter((c) => c.verdict?.kind === kind).length);
  return [
    ['tests', String(cases.length)],
    ['failures', count('failure')],
    ['errors', count('error')],
    ['skipped', count('skipped')],
  ];
}

function seconds(ms: number): string {
  return (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0).toFixed(3);
}

/** The Ant schema's form (no zone, no fraction), which every JUnit reader accepts; the time is UTC. */
function junitTimestamp(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19);
}

function attributes(pairs: [string, string][]): string {
  return pairs.map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
}
