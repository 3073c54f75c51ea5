import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileReporter } from '../../../src/reporters/file-report.js';
import { JSON_REPORT_FORMAT } from '../../../src/reporters/json.js';
import { REPORTS } from '../../../src/reporters/registry.js';
import { deviatedRun, erroredRun, revertFailedRun, session } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-json-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the json report file', () => {
  it('writes the whole session, which parses back to the same data, with the format and version', async () => {
    const result = session([deviatedRun(), revertFailedRun(), erroredRun()], {
      invalid: [
        { file: 'experiments/typo.yaml', message: 'typo.yaml:3:5 method[0].fault: unknown fault "puase"' },
      ],
      exitCode: 4,
    });
    const path = join(dir, 'reports', 'nested', 'journal.json');

    await createFileReporter(REPORTS.json, { path }).onSessionEnd?.(result);

    const text = await readFile(path, 'utf8');
    const { format, faultlineVersion, ...rest } = JSON.parse(text);
    expect(format).toBe(JSON_REPORT_FORMAT);
    const manifest = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(faultlineVersion).toBe(manifest.version);
    // Each run carries what its faults did to users besides the session's own data.
    const runs = rest.runs.map(({ impact, ...run }: { impact: unknown[] }) => {
      expect(Array.isArray(impact)).toBe(true);
      return run;
    });
    expect({ ...rest, runs }).toEqual(result);
    expect(text).toMatch(/^\{\n {2}"format": "faultline-journal\/1",\n/);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('replaces an older report and leaves no temporary file behind', async () => {
    const path = join(dir, 'journal.json');
    await writeFile(path, 'stale, and not JSON');

    await createFileReporter(REPORTS.json, { path }).onSessionEnd?.(session([deviatedRun()]));

    const report = JSON.parse(await readFile(path, 'utf8'));
    expect(report.runs[0].outcome).toBe('deviated');
    expect(await readdir(dir)).toEqual(['journal.json']);
  });

  it('fails loudly when the path cannot be written', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    const reporter = createFileReporter(REPORTS.json, { path: join(blocker, 'journal.json') });
    await expect(reporter.onSessionEnd?.(session([deviatedRun()]))).rejects.toThrow();
  });
});
