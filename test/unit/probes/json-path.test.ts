import { describe, expect, it } from 'vitest';
import { parseJsonPath, readJsonPath } from '../../../src/probes/json-path.js';

const doc = {
  ok: true,
  off: false,
  nothing: null,
  count: 0,
  items: [{ id: 7, tags: ['a', 'b'] }, { id: 8 }],
  'odd key': 'odd',
  'x.y': 'dotted',
  nested: { deep: { value: 'here' } },
};

describe('readJsonPath', () => {
  it.each([
    ['$.ok', true],
    ['$.off', false],
    ['$.nothing', null],
    ['$.count', 0],
    ['$.items[0].id', 7],
    ['$.items[1].id', 8],
    ['$.items[0].tags[1]', 'b'],
    ['$.nested.deep.value', 'here'],
    ["$['odd key']", 'odd'],
    ['$["x.y"]', 'dotted'],
    ['items[0].id', 7],
    ['ok', true],
    ['  $.ok  ', true],
  ])('reads %s', (path, value) => {
    expect(readJsonPath(doc, path)).toEqual({ found: true, value });
  });

  it('reads the whole document at $', () => {
    expect(readJsonPath(doc, '$')).toEqual({ found: true, value: doc });
  });

  it('reads into a top-level array', () => {
    expect(readJsonPath([{ id: 1 }, { id: 2 }], '$[1].id')).toEqual({ found: true, value: 2 });
  });

  it.each([
    '$.missing',
    '$.items[5]',
    '$.items[0].name',
    '$.ok.inner',
    '$.nothing.inner',
    '$.nested.deep.value.more',
  ])('finds nothing at %s', (path) => {
    expect(readJsonPath(doc, path)).toEqual({ found: false, value: undefined });
  });

  it.each(['$..ok', '$.items[x]', '$.[0]', '$.items[-1]', '$ ok'])(
    'finds nothing at the malformed path %s',
    (path) => {
      expect(readJsonPath(doc, path)).toEqual({ found: false, value: undefined });
    },
  );
});

describe('parseJsonPath', () => {
  it('splits a path into keys and indexes', () => {
    expect(parseJsonPath('$.items[0].id')).toEqual(['items', 0, 'id']);
    expect(parseJsonPath("$['a b'][2]")).toEqual(['a b', 2]);
    expect(parseJsonPath('$.snake_case.$dollar.kebab-key')).toEqual(['snake_case', '$dollar', 'kebab-key']);
    expect(parseJsonPath('$')).toEqual([]);
  });

  it('returns undefined for text that is not a path', () => {
    expect(parseJsonPath('$..a')).toBeUndefined();
    expect(parseJsonPath('$.a[')).toBeUndefined();
    expect(parseJsonPath('$.1a')).toBeUndefined();
  });
});
