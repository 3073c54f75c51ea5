import { mkdir, mkdtemp, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeFill, writeFill } from '../../../../src/faults/disk/fill.js';

const MiB = 2 ** 20;
const PATH = process.env.PATH;

afterEach(() => {
  process.env.PATH = PATH;
});

async function dir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'fl-fill-'));
}

describe('writing a fill file', () => {
  it('gives it real blocks with fallocate', async () => {
    const file = path.join(await dir(), '.faultline-fill-x');
    const filled = await writeFill(file, 3 * MiB);
    const info = await stat(file);
    expect(filled.method).toBe('fallocate');
    expect(info.size).toBe(3 * MiB);
    expect(info.blocks * 512).toBeGreaterThanOrEqual(3 * MiB);
  });

  it('writes zeros in chunks when fallocate cannot be used', async () => {
    process.env.PATH = '/nonexistent';
    const file = path.join(await dir(), '.faultline-fill-x');
    const filled = await writeFill(file, 20 * MiB + 5);
    const info = await stat(file);
    expect(filled.method).toBe('zeros');
    expect(info.size).toBe(20 * MiB + 5);
    expect(info.blocks * 512).toBeGreaterThanOrEqual(20 * MiB);
    console.log(`[disk] zeros: 20MiB in ${filled.ms.toFixed(1)}ms`);
  });

  it('leaves nothing when the fill fails half-way (more than the filesystem holds)', async () => {
    const file = path.join(await dir(), '.faultline-fill-x');
    await expect(writeFill(file, 2 ** 52)).rejects.toThrow(/fallocate: .*(space|large)/i);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('never writes into an existing file or through a link', async () => {
    const here = await dir();
    await writeFile(path.join(here, 'existing'), 'keep');
    await symlink(path.join(here, 'elsewhere'), path.join(here, 'link'));
    await expect(writeFill(path.join(here, 'existing'), MiB)).rejects.toThrow(/EEXIST/);
    await expect(writeFill(path.join(here, 'link'), MiB)).rejects.toThrow(/EEXIST/);
    expect((await stat(path.join(here, 'existing'))).size).toBe(4);
    await expect(stat(path.join(here, 'elsewhere'))).rejects.toThrow(/ENOENT/);
  });
});

describe('removing a fill file', () => {
  it('removes it once, says when it is not there, and leaves anything but a regular file', async () => {
    const here = await dir();
    const file = path.join(here, '.faultline-fill-x');
    await writeFile(file, 'x');
    expect(await removeFill(file)).toBe('removed');
    expect(await removeFill(file)).toBe('absent');
    await mkdir(file);
    await expect(removeFill(file)).rejects.toThrow('is not a regular file any more; left as it is');
    expect((await stat(file)).isDirectory()).toBe(true);
  });
});
