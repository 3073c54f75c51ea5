/**
 * A small seeded PRNG (mulberry32), so a percentage picks the same requests for the same seed. It is
 * the generator src/util/random.ts has: the proxy imports nothing from the rest of faultline.
 */
export type Random = () => number;

export function seededRandom(seed: number, salt: string): Random {
  let state = (seed ^ hashString(salt)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True for `percent` out of every 100 draws, on average. */
export function picks(random: Random, percent: number | undefined): boolean {
  const share = percent ?? 100;
  if (share >= 100) return true;
  if (share <= 0) return false;
  return random() * 100 < share;
}

/** A value around `base`, at most `jitter` away either side, never below 0. */
export function jittered(random: Random, base: number, jitter: number | undefined): number {
  if (!jitter) return base;
  return Math.max(0, base + (random() * 2 - 1) * jitter);
}

function hashString(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}
