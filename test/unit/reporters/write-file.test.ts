import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendWithinCap, fitToBytes, writeFileAtomic } from '../../../src/reporters/write-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates parent directories and leaves only the target file', async () => {
    const path = join(dir, 'a', 'b', 'report.txt');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['report.txt']);
  });
});

describe('fitToBytes', () => {
  it('keeps text that fits', () => {
    expect(fitToBytes('abc\n', 4, '[cut]')).toBe('abc\n');
  });

  it('cuts at the last whole line that fits and adds the note', () => {
    expect(fitToBytes('line one\nline two\nline three\n', 22, '[cut]')).toBe('line one\n[cut]');
  });

  it('never splits a multi-byte character', () => {
    // "é" is two bytes: four bytes of room hold "aé" and the first half of the next "é".
    const cut = fitToBytes('aéééé', 4, '');
    expect(cut).toBe('aé');
    expect(fitToBytes('aéééé', 5, '')).toBe('aéé');
  });

  it('returns nothing when not even the note fits', () => {
    expect(fitToBytes('some text', 3, '[cut]')).toBe('');
  });
});

describe('appendWithinCap', () => {
  it('creates the file, then separates later appends from earlier content', async () => {
    const path = join(dir, 'summary.md');
    await appendWithinCap(path, 'first\n', { maxBytes: 100, separator: '\n' });
    await appendWithinCap(path, 'second\n', { maxBytes: 100, separator: '\n' });
    expect(await readFile(path, 'utf8')).toBe('first\n\nsecond\n');
  });

  it('does not let the file grow past the cap', async () => {
    const path = join(dir, 'summary.md');
    await writeFile(path, 'x'.repeat(90));
    const appended = await appendWithinCap(path, 'a\nb\nc\nd\ne\nf\n', { maxBytes: 100, note: '[cut]\n' });
    // Ten bytes of room: four for "a\nb\n" and six for the note.
    expect(appended).toBe('a\nb\n[cut]\n');
    expect((await stat(path)).size).toBe(100);
  });
});
