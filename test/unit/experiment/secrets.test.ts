import { describe, expect, it } from 'vitest';
import { ExperimentInvalidError, parseExperiment } from '../../../src/experiment/load.js';
import { substituteDocument } from '../../../src/experiment/substitute.js';
import { Redactor, secrets } from '../../../src/util/redact.js';

const FILE = 'secrets.yaml';

function rejection(text: string, env: Record<string, string | undefined>): ExperimentInvalidError {
  try {
    parseExperiment(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    expect((error as ExperimentInvalidError).exitCode).toBe(2);
    return error as ExperimentInvalidError;
  }
  throw new Error('expected the experiment to be rejected');
}

/** The whole text a user sees for a rejected file: message and hint. */
function printed(error: ExperimentInvalidError): string {
  return `${error.message}\n${error.hint ?? ''}`;
}

const withHeader = (header: string, steps = '  - wait: 1s\n') => `title: t
hypothesis:
  - name: api
    http:
      url: http://127.0.0.1:1/
      headers: { Authorization: "${header}" }
method:
${steps}`;

describe('${secret:NAME}', () => {
  it('takes its value from the environment variable NAME and registers it to be hidden', () => {
    const value = 'unit-secret-value-1';
    const loaded = parseExperiment(withHeader('Bearer ${secret:API_TOKEN}'), FILE, { API_TOKEN: value });
    expect(loaded.experiment.hypothesis[0]!.http!.headers).toEqual({ Authorization: `Bearer ${value}` });
    expect(secrets.redact(`sent Bearer ${value}`)).toBe('sent Bearer [secret API_TOKEN]');
  });

  it('registers secrets with the redactor it is given', () => {
    const redactor = new Redactor();
    const result = substituteDocument(
      { hypothesis: [{ command: ['x', '${secret:S}'] }] },
      { S: 'abcd-efgh' },
      redactor,
    );
    expect(result.issues).toEqual([]);
    expect(redactor.redact('abcd-efgh')).toBe('[secret S]');
  });

  it('is an error naming the variable when it is unset or empty (a CI secret that is not set is empty)', () => {
    for (const env of [{}, { API_TOKEN: '' }]) {
      const error = rejection(withHeader('Bearer ${secret:API_TOKEN}'), env);
      expect(error.problems).toEqual([
        {
          file: FILE,
          line: 6,
          column: 33,
          path: 'hypothesis[0].http.headers.Authorization',
          message:
            "${secret:API_TOKEN}: environment variable API_TOKEN is not set or is empty; set it to the secret's value",
        },
      ]);
    }
  });

  it('has no fallback', () => {
    const error = rejection(withHeader('${secret:API_TOKEN:-guest}'), { API_TOKEN: 'whatever-value' });
    expect(error.problems.map((problem) => problem.message)).toEqual([
      '${secret:API_TOKEN:-guest}: a secret has no fallback; use ${secret:API_TOKEN} and set API_TOKEN',
    ]);
  });

  it('refuses a value shorter than 4 characters, which could not be hidden, without printing it', () => {
    const error = rejection(withHeader('${secret:PIN}'), { PIN: 'x9z' });
    expect(error.problems.map((problem) => problem.message)).toEqual([
      '${secret:PIN}: the value of PIN is shorter than 4 characters, too short to be hidden in the output; use ${env:PIN} if it is not a secret',
    ]);
    expect(printed(error)).not.toContain('x9z');
  });

  it('is allowed in probes, guards, probe and action steps (also in parallel) and rollbacks, directly or through vars', () => {
    const text = `title: t
vars:
  auth: "Bearer \${secret:TOKEN}"
hypothesis:
  - name: api
    http: { url: "http://127.0.0.1:1/", headers: { Authorization: "\${auth}" } }
guards:
  - name: g
    command: [check, "\${secret:TOKEN}"]
method:
  - parallel:
      - probe: { name: p, command: [check, "\${auth}"] }
      - action: { command: [notify, "\${secret:TOKEN}"] }
rollbacks:
  - command: [clean, "\${secret:TOKEN}"]
`;
    const loaded = parseExperiment(text, FILE, { TOKEN: 'allowed-places-1' });
    expect(loaded.experiment.rollbacks?.[0]?.command).toEqual(['clean', 'allowed-places-1']);
  });

  it('is refused in a fault step, whose values are written to disk to revert it, directly or through vars', () => {
    const text = `title: t
vars:
  svc: "\${secret:SERVICE}"
hypothesis:
  - name: p
    command: [check]
method:
  - pause: { target: { service: "\${svc}" }, duration: 1s }
  - parallel:
      - delay: { target: { service: api }, latency: 10ms, interface: "\${secret:SERVICE}" }
`;
    const error = rejection(text, { SERVICE: 'hidden-service-name' });
    expect(error.problems.map((problem) => [problem.path, problem.message])).toEqual([
      [
        'method[0].pause.target.service',
        '${secret:SERVICE} (through vars) can only be used in probes and actions (hypothesis, guards, probe and action steps, rollbacks), and vars used only there; faults and their targets are written to the state folder so that they can be reverted after a crash',
      ],
      [
        'method[1].parallel[0].delay.interface',
        '${secret:SERVICE} can only be used in probes and actions (hypothesis, guards, probe and action steps, rollbacks), and vars used only there; faults and their targets are written to the state folder so that they can be reverted after a crash',
      ],
    ]);
    expect(printed(error)).not.toContain('hidden-service-name');
  });

  it('is not echoed by the error about a wrongly typed field, in any of its lines', () => {
    const value = 'typed-line-one\ntyped-line-two';
    const text = `title: t
hypothesis:
  - name: db
    tcp: { host: 127.0.0.1, port: "\${secret:DB_TOKEN}" }
method:
  - wait: 1s
`;
    const error = rejection(text, { DB_TOKEN: value });
    expect(error.problems[0]).toMatchObject({ line: 4, path: 'hypothesis[0].tcp.port' });
    expect(error.problems[0]!.message).toContain('expected a number, found "${secret:DB_TOKEN}"');
    for (const part of [value, 'typed-line-one', 'typed-line-two'])
      expect(printed(error)).not.toContain(part);
  });
});

describe('values from the environment in validation errors', () => {
  it('names the ${env:NAME} reference instead of echoing its value', () => {
    const text = `title: t
vars:
  port: "\${env:DB_PORT}"
hypothesis:
  - name: db
    tcp: { host: 127.0.0.1, port: "\${env:TOKEN}" }
  - name: db2
    tcp: { host: 127.0.0.1, port: "\${port}" }
method:
  - wait: 1s
`;
    const error = rejection(text, { TOKEN: 'env-token-value', DB_PORT: 'not-a-port' });
    expect(error.problems.map((problem) => problem.message)).toEqual([
      'expected a number, found "${env:TOKEN}" (a string from the environment, not shown)',
      'expected a number, found "${port}" (a string from the environment, not shown)',
    ]);
    expect(printed(error)).not.toContain('env-token-value');
    expect(printed(error)).not.toContain('not-a-port');
  });

  it('still shows a value written in the file itself', () => {
    const text = `title: t
vars:
  port: abc
hypothesis:
  - name: db
    tcp: { host: 127.0.0.1, port: "\${port}" }
method:
  - wait: 1s
`;
    expect(rejection(text, {}).problems.map((problem) => problem.message)).toEqual([
      'expected a number, found a string ("abc")',
    ]);
  });
});
