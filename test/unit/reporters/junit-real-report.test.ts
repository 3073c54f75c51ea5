import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SessionResult } from '../../../src/model/journal.js';
import { renderJunit } from '../../../src/reporters/junit.js';
import { child, findAll, parseXml, type XmlElement } from './parse-xml.js';

/**
 * A JSON report written by a real `faultline run test/unit/ci/samples/experiments` (one deviated run,
 * one baseline not met, one passed, two invalid files), rendered again as JUnit.
 */
const report = JSON.parse(
  readFileSync(fileURLToPath(new URL('../ci/samples/report.json', import.meta.url)), 'utf8'),
) as SessionResult;
const root = parseXml(renderJunit(report));

function suiteFor(file: string): XmlElement {
  const suite = findAll(root, 'testsuite').find((candidate) => candidate.attributes.file === file);
  if (!suite) throw new Error(`no testsuite for ${file}`);
  return suite;
}

function verdicts(suite: XmlElement): string[] {
  return findAll(suite, 'testcase').flatMap((testcase) =>
    testcase.children
      .filter((element) => ['failure', 'error', 'skipped'].includes(element.name))
      .map((element) => `${testcase.attributes.name}: ${element.name}`),
  );
}

describe('JUnit from a real report', () => {
  it('makes a baseline not met an error only, with no failure anywhere in its suite', () => {
    const suite = suiteFor('experiments/nothing-listens.yaml');
    expect(suite.attributes).toMatchObject({ failures: '0', errors: '2', skipped: '2' });
    expect(verdicts(suite)).toEqual([
      'before: port 1 answers: error',
      'during: port 1 answers: skipped',
      'after: port 1 answers: skipped',
      'run: error',
    ]);
    const baseline = child(
      findAll(suite, 'testcase').find((c) => c.attributes.name === 'before: port 1 answers')!,
      'error',
    );
    const after = findAll(suite, 'testcase').find((c) => c.attributes.name === 'after: port 1 answers')!;
    expect(child(after, 'skipped')?.attributes.message).toBe(
      'not run: baseline not met, nothing was injected: the system was not healthy to begin with (port 1 answers: connects: expected a connection, saw connection refused)',
    );
    expect(baseline?.attributes).toMatchObject({
      type: 'baseline-not-met',
      message: 'connects: expected a connection, saw connection refused',
    });
  });

  it('keeps a miss after the faults a failure', () => {
    const suite = suiteFor('experiments/marker-survives-cleanup.yaml');
    expect(suite.attributes).toMatchObject({ failures: '1', errors: '0' });
    expect(verdicts(suite)).toContain('after: marker exists: failure');
  });

  it('puts the first concrete problem of an invalid file, with its line and column, in the message', () => {
    const messages = findAll(root, 'error')
      .filter((error) => error.attributes.type === 'invalid')
      .map((error) => error.attributes.message);
    expect(messages).toEqual([
      'experiments/broken-yaml.yaml:2:1 YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'experiments/typo.yaml:6:5 method[0].puase: unknown step "puase"; did you mean "pause"?',
    ]);
  });

  it('gives every failure and error a message with content', () => {
    const all = [...findAll(root, 'failure'), ...findAll(root, 'error')];
    expect(all.length).toBe(5);
    for (const element of all) expect(element.attributes.message?.trim().endsWith(':')).toBe(false);
    expect(root.attributes).toMatchObject({ tests: '15', failures: '1', errors: '4' });
  });
});
