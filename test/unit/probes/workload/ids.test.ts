import { describe, expect, it } from 'vitest';
import {
  argvWithId,
  bodyWithId,
  hasPrefix,
  newRunPrefix,
  seqOf,
  urlWithId,
  withId,
  writeId,
} from '../../../../src/probes/workload/ids.js';

describe('workload write ids', () => {
  it('gives every run a prefix of its own, safe in a URL, a shell word and a file name', () => {
    const prefixes = new Set(Array.from({ length: 1000 }, () => newRunPrefix()));
    expect(prefixes.size).toBe(1000);
    for (const prefix of prefixes) expect(prefix).toMatch(/^fl[0-9a-f]{8}$/);
  });

  it('numbers the writes of a run and reads the number back from a value', () => {
    expect(writeId('flabc', 0)).toBe('flabc-0');
    expect(seqOf('flabc', 'flabc-42')).toBe(42);
    expect(seqOf('flabc', 'flabc-042')).toBeUndefined();
    expect(seqOf('flabc', 'flabc-4x')).toBeUndefined();
    expect(seqOf('flabc', 'flabd-4')).toBeUndefined();
    expect(seqOf('flabc', 'flabc-')).toBeUndefined();
    expect(hasPrefix('flabc', 'flabc-oops')).toBe(true);
    expect(hasPrefix('flabc', 'flabcd-1')).toBe(false);
  });
});

describe('${id} substitution', () => {
  it('replaces every ${id} in a text, and leaves a text without one alone', () => {
    expect(withId('key ${id} and ${id}', 'a-1')).toBe('key a-1 and a-1');
    expect(withId('no placeholder', 'a-1')).toBe('no placeholder');
    expect(withId('$id {id} $${id}', 'a-1')).toBe('$id {id} $a-1');
  });

  it('URL-encodes the id where it goes into a URL', () => {
    expect(urlWithId('http://127.0.0.1:1/kv/${id}?v=${id}', 'a b/c')).toBe(
      'http://127.0.0.1:1/kv/a%20b%2Fc?v=a%20b%2Fc',
    );
    expect(urlWithId('http://127.0.0.1:1/kv/${id}', 'fl1-7')).toBe('http://127.0.0.1:1/kv/fl1-7');
  });

  it('replaces ${id} in every string of a JSON body at any depth, never in keys or other values', () => {
    const body = {
      value: '${id}',
      '${id}': 'key stays',
      nested: { list: ['x-${id}', 3, true, null, { deep: '${id}' }] },
      count: 1,
    };
    expect(bodyWithId(body, 'r-5')).toEqual({
      value: 'r-5',
      '${id}': 'key stays',
      nested: { list: ['x-r-5', 3, true, null, { deep: 'r-5' }] },
      count: 1,
    });
    expect(body.value).toBe('${id}');
    expect(bodyWithId('plain ${id}', 'r-5')).toBe('plain r-5');
  });

  it('keeps each command argument one argument, whatever the id holds', () => {
    expect(argvWithId(['./write.sh', '--key=${id}', '${id}'], 'a b;c')).toEqual([
      './write.sh',
      '--key=a b;c',
      'a b;c',
    ]);
  });
});
