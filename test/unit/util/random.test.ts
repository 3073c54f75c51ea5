import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed, newSeed, pickRandom } from '../../../src/util/random.js';

const letters = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

function draws(seed: number, count = 20): number[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random());
}

describe('createRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draws(42)).toEqual(draws(42));
  });

  it('gives a different sequence for another seed', () => {
    expect(draws(42)).not.toEqual(draws(43));
  });

  it('yields numbers in [0, 1) spread over the range', () => {
    const values = draws(7, 2000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(values.filter((value) => value < 0.5).length).toBeGreaterThan(800);
    expect(values.filter((value) => value >= 0.5).length).toBeGreaterThan(800);
  });
});

describe('pickRandom', () => {
  it('picks the same items for the same seed', () => {
    expect(pickRandom(letters, 3, createRandom(1234))).toEqual(pickRandom(letters, 3, createRandom(1234)));
  });

  it('picks differently for different seeds (over several seeds)', () => {
    const picks = new Set(
      Array.from({ length: 10 }, (_, seed) => pickRandom(letters, 3, createRandom(seed)).join('')),
    );
    expect(picks.size).toBeGreaterThan(1);
  });

  it('returns exactly `count` distinct items, in their input order', () => {
    for (let seed = 0; seed < 50; seed++) {
      const picked = pickRandom(letters, 4, createRandom(seed));
      expect(picked).toHaveLength(4);
      expect(new Set(picked).size).toBe(4);
      const positions = picked.map((item) => letters.indexOf(item));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(positions.every((position) => position >= 0)).toBe(true);
    }
  });

  it('can pick every item over many seeds (no item is never chosen)', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 100; seed++)
      for (const item of pickRandom(letters, 1, createRandom(seed))) seen.add(item);
    expect([...seen].sort()).toEqual(letters);
  });

  it('returns all items when asked for all of them, and nothing for zero', () => {
    expect(pickRandom(letters, letters.length, createRandom(5))).toEqual(letters);
    expect(pickRandom(letters, 0, createRandom(5))).toEqual([]);
  });

  it('does not modify the input', () => {
    const input = [...letters];
    pickRandom(input, 3, createRandom(9));
    expect(input).toEqual(letters);
  });
});

describe('deriveSeed', () => {
  it('is stable for the same seed and key', () => {
    expect(deriveSeed(99, 'method[0]')).toBe(deriveSeed(99, 'method[0]'));
  });

  it('differs per key and per seed', () => {
    const keys = ['method[0]', 'method[1]', 'method[0].parallel[0]', 'rollbacks[0]', ''];
    const seeds = new Set(keys.map((key) => deriveSeed(99, key)));
    expect(seeds.size).toBe(keys.length);
    expect(deriveSeed(99, 'method[0]')).not.toBe(deriveSeed(100, 'method[0]'));
  });

  it('gives an unsigned 32-bit integer usable as a seed', () => {
    const seed = deriveSeed(0xffffffff, 'method[3]');
    expect(Number.isInteger(seed)).toBe(true);
    expect(seed).toBeGreaterThanOrEqual(0);
    expect(seed).toBeLessThan(2 ** 32);
  });
});

describe('newSeed', () => {
  it('is a non-negative integer that fits a CLI --seed value', () => {
    const seed = newSeed();
    expect(Number.isInteger(seed)).toBe(true);
    expect(seed).toBeGreaterThanOrEqual(0);
    expect(seed).toBeLessThan(2 ** 31);
  });
});
