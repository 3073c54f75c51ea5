import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faultline, REPO, tempDir } from '../support/cli.js';

/** A folder of experiments that need no container: command and TCP probes on this host, and typos. */
let dir: string;
beforeEach(async () => {
  dir = await tempDir();
  await cp(path.join(REPO, 'test/unit/ci/samples/experiments'), dir, { recursive: true });
  await rm(path.join(dir, 'marker-survives-cleanup.yaml'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the last line of a folder run', () => {
  it('counts each outcome and gives the exit code', async () => {
    const result = await faultline(['run', dir], { env: { FAULTLINE_STATE_DIR: path.join(dir, '.state') } });
    expect(result.exitCode).toBe(3);
    const last = result.stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} 4 experiments: 1 passed, 1 errored, 2 invalid \(exit 3, [\d.]+m?s\)$/,
    );
  });

  it('says how many were invalid when none could run', async () => {
    const result = await faultline(['run', path.join(dir, 'typo.yaml'), path.join(dir, 'broken-yaml.yaml')]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(
      / 2 experiments: 0 passed, 2 invalid \(exit 2, /,
    );
  });
});
