import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reporter } from '../../../src/engine/port.js';
import { ExitCode } from '../../../src/errors.js';
import { createFileReporter } from '../../../src/reporters/file-report.js';
import { REPORTS } from '../../../src/reporters/registry.js';
import { checkReportPath, ReportPathError } from '../../../src/reporters/report-path.js';
import { deviatedRun, session } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-report-path-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KINDS: Record<string, (path: string) => Reporter> = {
  json: (path) => createFileReporter(REPORTS.json, { path }),
  junit: (path) => createFileReporter(REPORTS.junit, { path }),
  markdown: (path) => createFileReporter(REPORTS.markdown, { path }),
  html: (path) => createFileReporter(REPORTS.html, { path }),
};

/** Each bad place, and the reason the error must give. */
async function badPaths(): Promise<[string, string, RegExp][]> {
  const readOnly = join(dir, 'read-only.xml');
  await writeFile(readOnly, 'old');
  await chmod(readOnly, 0o444);
  const file = join(dir, 'a-file');
  await writeFile(file, '');
  return [
    ['a folder', dir, /it is a folder/],
    ['a read-only file', readOnly, /the file is read-only \(mode 444\)/],
    ['below a file', join(file, 'report.json'), /a part of the path is a file, not a folder/],
    ['/proc', '/proc/nope/report.json', /\/proc is on a kernel pseudo-file system \(proc\)/],
    ['/proc/self', '/proc/self/report.json', /\/proc\/self is on a kernel pseudo-file system \(proc\)/],
    ['/sys', '/sys/nope/report.json', /\/sys is on a kernel pseudo-file system \(sysfs\)/],
    ['a device', '/dev/null', /not a regular file \(a character device\)/],
  ];
}

describe('checkReportPath', () => {
  it('refuses each bad place with an error naming the path and the reason, exit 3', async () => {
    for (const [, path, reason] of await badPaths()) {
      const error = await checkReportPath(path).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, path).toBeInstanceOf(ReportPathError);
      expect((error as ReportPathError).message).toContain(`cannot write a report to ${path}: `);
      expect((error as ReportPathError).message).toMatch(reason);
      expect((error as ReportPathError).exitCode).toBe(ExitCode.errored);
    }
  });

  it('accepts a new file below folders that do not exist yet, and changes nothing', async () => {
    await checkReportPath(join(dir, 'a', 'b', 'report.json'));
    await expect(readFile(join(dir, 'a'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('every report kind at the end of the session', () => {
  for (const [kind, create] of Object.entries(KINDS)) {
    it(`${kind}: fails promptly with the path and the reason for each bad place`, async () => {
      for (const [what, path, reason] of await badPaths()) {
        const started = performance.now();
        const error = await Promise.resolve(create(path).onSessionEnd?.(session([deviatedRun()]))).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(performance.now() - started, `${kind} ${what}`).toBeLessThan(2000);
        expect(error, `${kind} ${what}`).toBeInstanceOf(Error);
        expect((error as Error).message).toContain(path);
        expect((error as Error).message).toMatch(reason);
      }
    });

    it(`${kind}: creates missing parent folders of a normal path`, async () => {
      const path = join(dir, 'reports', kind, `out.${kind}`);
      await create(path).onSessionEnd?.(session([deviatedRun()]));
      expect((await readFile(path, 'utf8')).length).toBeGreaterThan(0);
    });
  }

  it('a GitHub job summary under /proc is refused at once too', async () => {
    const reporter = createFileReporter(REPORTS.markdown, { jobSummary: '/proc/nope/summary.md' });
    await expect(reporter.onSessionEnd?.(session([deviatedRun()]))).rejects.toThrow(
      /\/proc\/nope\/summary\.md: .*pseudo-file system/,
    );
  });
});
