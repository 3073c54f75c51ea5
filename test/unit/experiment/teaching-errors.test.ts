import { describe, expect, it } from 'vitest';
import { ExperimentInvalidError, formatProblem, parseExperiment } from '../../../src/experiment/load.js';
import { didYouMean } from '../../../src/util/did-you-mean.js';

const FILE = 'checkout.yaml';

/** Every line a user sees for `text`, as `validate` prints them (file:line:column path: message). */
function linesOf(text: string): string[] {
  try {
    parseExperiment(text, FILE, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    return (error as ExperimentInvalidError).problems.map(formatProblem);
  }
  throw new Error('expected the experiment to be rejected');
}

const HYPOTHESIS = `hypothesis:
  - name: up
    tcp: { host: 127.0.0.1, port: 8080 }
`;

describe('errors that say what to write', () => {
  it('a bare number where a duration goes names the units', () => {
    const text = `title: t
${HYPOTHESIS}method:
  - pause: { target: { service: api }, duration: 2 }
  - wait: 1.5
recovery: 10
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:6:50 method[0].pause.duration: `2` is a number: write `2s` or `2000ms`',
      'checkout.yaml:7:11 method[1].wait: `1.5` is a number: write `1.5s` or `1500ms`',
      'checkout.yaml:8:11 recovery: `10` is a number: write `10s` or `10000ms`',
    ]);
  });

  it('a number where text that is not a duration goes keeps the plain message', () => {
    const text = `title: 42
${HYPOTHESIS}method:
  - wait: 1s
`;
    expect(linesOf(text)).toEqual(['checkout.yaml:1:8 title: expected a string, found a number (42)']);
  });

  it('an unknown key close to a known one gets a did-you-mean, at the key', () => {
    const text = `title: t
hypothesis:
  - name: up
    tcp: { host: 127.0.0.1, port: 8080 }
    timout: 2s
method:
  - pause: { targt: { service: api }, duration: 2s }
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:5:5 hypothesis[0].timout: unknown key "timout"; did you mean "timeout"?',
      'checkout.yaml:7:12 method[0].pause.target: is required (expected a mapping)',
      'checkout.yaml:7:14 method[0].pause.targt: unknown key "targt"; did you mean "target"?',
    ]);
  });

  it('an unknown key far from every known one keeps the plain message', () => {
    const text = `title: t
colour: blue
${HYPOTHESIS}method:
  - wait: 1s
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:2:1 colour: unknown key "colour"; check the spelling (`faultline schema` lists the keys)',
    ]);
  });

  it('an unknown step kind gets a did-you-mean', () => {
    const text = `title: t
${HYPOTHESIS}method:
  - pasue: { target: { service: api }, duration: 2s }
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:6:5 method[0].pasue: unknown step "pasue"; did you mean "pause"?',
    ]);
  });

  it('an enum value gets a did-you-mean', () => {
    const text = `title: t
hypothesis:
  - name: up
    tcp: { host: 127.0.0.1, port: 8080 }
    when: [befor, after]
method:
  - wait: 1s
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:5:12 hypothesis[0].when[0]: expected one of "before", "during", "after", found a string ("befor"); did you mean "before"?',
    ]);
  });

  it("compose's ${VAR:-default} is pointed to ${env:VAR:-default}", () => {
    const text = `title: t
hypothesis:
  - name: up
    http: { url: "http://127.0.0.1:\${PORT:-8080}/health" }
method:
  - wait: 1s
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:4:18 hypothesis[0].http.url: ${PORT:-8080} is compose syntax: write ${env:PORT:-8080}',
    ]);
  });

  it('a title holding ": " unquoted is told to quote it', () => {
    const text = `title: Checkout: survives a frozen backend
${HYPOTHESIS}method:
  - wait: 1s
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:1:8 YAML syntax: Nested mappings are not allowed in compact mappings (a value that contains ": " must be quoted: title: "Checkout: survives a frozen backend")',
    ]);
  });
  it('the quoted form keeps a comment after the value out of the quotes', () => {
    const text = `title: t
description: Checkout: survives # a comment: kept
${HYPOTHESIS}method:
  - wait: 1s
`;
    expect(linesOf(text)).toEqual([
      'checkout.yaml:2:14 YAML syntax: Nested mappings are not allowed in compact mappings (a value that contains ": " must be quoted: description: "Checkout: survives")',
    ]);
  });
});

describe('didYouMean', () => {
  it('suggests a close name and stays silent for a far one', () => {
    expect(didYouMean('pasue', ['kill', 'pause', 'stop'])).toBe('; did you mean "pause"?');
    expect(didYouMean('freeze', ['kill', 'pause', 'stop'])).toBe('');
    expect(didYouMean('pause', ['pause'])).toBe('');
  });
});
