import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../src/model/journal.js';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';

/**
 * Secrets through the built CLI: a multi-line token in a header (which no HTTP client accepts), a
 * token the service echoes back in its answer, and the multi-line token printed by a host command. None of them,
 * nor any of their lines, may appear in the terminal output, in any report or in the state folder.
 */

// A multi-line token, as read from a file that was not meant to hold more than one line.
const MULTI = 'e2e-multi-first-line-Zq81\ne2e-multi-second-line-Kd27\n';
const ECHOED = 'e2e-echoed-api-key-Pw55';
const FORBIDDEN = [MULTI, MULTI.trim(), 'e2e-multi-first-line-Zq81', 'e2e-multi-second-line-Kd27', ECHOED];

let server: http.Server;
let base: string;
let dir: string;

beforeAll(async () => {
  // Answers with the headers it received: a service that echoes a credential in an error page.
  server = http.createServer((request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(`you sent: ${request.headers['x-api-key']}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await tempDir();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of FORBIDDEN)
    expect(text.includes(secret), `${where} contains ${JSON.stringify(secret)}`).toBe(false);
}

describe('secrets are never printed', () => {
  it('keeps every secret out of stdout, stderr, every report, the step summary and the state folder', async () => {
    const file = await writeExperiment(
      dir,
      'secret-headers.yaml',
      `title: Secrets stay secret
vars:
  api-key: "\${secret:E2E_API_KEY}"
hypothesis:
  - name: api with a multi-line token
    http:
      url: ${base}/
      headers: { Authorization: "Bearer \${secret:E2E_TOKEN}" }
  - name: api echoes the key
    http:
      url: ${base}/
      headers: { x-api-key: "\${api-key}" }
    expect:
      body: { contains: "welcome" }
  - name: a check that prints the token
    command: [node, -e, "process.stdout.write(process.argv[1])", "\${secret:E2E_TOKEN}"]
    expect:
      stdout: { contains: "welcome" }
method:
  - wait: 100ms
`,
    );
    const out = path.join(dir, 'out');
    const reports = {
      json: path.join(out, 'run.json'),
      junit: path.join(out, 'run.xml'),
      markdown: path.join(out, 'run.md'),
      html: path.join(out, 'run.html'),
      summary: path.join(out, 'step-summary.md'),
    };
    const state = path.join(dir, 'state');
    const result = await faultline(
      [
        'run',
        file,
        '--report',
        `json=${reports.json}`,
        '--report',
        `junit=${reports.junit}`,
        '--report',
        `markdown=${reports.markdown}`,
        '--report',
        `html=${reports.html}`,
      ],
      {
        env: {
          E2E_TOKEN: MULTI,
          E2E_API_KEY: ECHOED,
          GITHUB_STEP_SUMMARY: reports.summary,
          FAULTLINE_STATE_DIR: state,
        },
      },
    );

    // The baseline cannot be checked (a header no client can send): an error, not fragility.
    expect(result.exitCode, result.all).toBe(3);
    expectNoSecret(result.stdout, 'stdout');
    expectNoSecret(result.stderr, 'stderr');
    // The reason still says what is wrong, and which header.
    expect(result.stdout).toContain(
      'probe could not run: header "Authorization" has a character not allowed in an HTTP header value (a line break',
    );
    // The echoed key and the command's output are there, hidden by name.
    expect(result.stdout).toContain('[secret E2E_API_KEY]');
    expect(result.stdout).toContain('[secret E2E_TOKEN]');

    for (const [kind, report] of Object.entries(reports)) {
      const text = await readFile(report, 'utf8');
      expect(text.length, kind).toBeGreaterThan(0);
      expectNoSecret(text, kind);
    }
    const session = JSON.parse(await readFile(reports.json, 'utf8')) as SessionResult;
    const probes = session.runs[0]!.probes.filter((probe) => probe.phase === 'before');
    expect(probes.map((probe) => [probe.probe, probe.status])).toEqual([
      ['api with a multi-line token', 'error'],
      ['api echoes the key', 'fail'],
      ['a check that prints the token', 'fail'],
    ]);
    expect(probes[1]!.reason).toContain('you sent: [secret E2E_API_KEY]');
    expect(probes[2]!.reason).toContain('[secret E2E_TOKEN]');

    const stateFiles = await filesUnder(state);
    expect(stateFiles.length).toBeGreaterThan(0);
    for (const stateFile of stateFiles) expectNoSecret(await readFile(stateFile, 'utf8'), stateFile);
  });

  it('does not echo a secret substituted into a wrongly typed field when validating', async () => {
    const file = await writeExperiment(
      dir,
      'secret-port.yaml',
      `title: A secret where a number belongs
hypothesis:
  - name: db
    tcp: { host: 127.0.0.1, port: "\${secret:E2E_TOKEN}" }
method:
  - wait: 100ms
`,
    );
    const result = await faultline(['validate', file], { env: { E2E_TOKEN: MULTI } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `${file}:4:35 hypothesis[0].tcp.port: expected a number, found "\${secret:E2E_TOKEN}" (a string from the environment, not shown)`,
    );
    expectNoSecret(result.all ?? '', 'validate output');
  });

  it('names a missing secret without running anything', async () => {
    const file = await writeExperiment(
      dir,
      'secret-missing.yaml',
      `title: t
hypothesis:
  - name: api
    http: { url: "${base}/", headers: { Authorization: "Bearer \${secret:E2E_UNSET_TOKEN}" } }
method:
  - wait: 100ms
`,
    );
    const result = await faultline(['run', file], { env: { FAULTLINE_STATE_DIR: path.join(dir, 'state2') } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '${secret:E2E_UNSET_TOKEN}: environment variable E2E_UNSET_TOKEN is not set or is empty',
    );
  });
});
