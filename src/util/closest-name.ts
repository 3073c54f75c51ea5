/**
 * The candidate closest to a misspelt name, or undefined when none is close enough to be a typo.
 * Distance counts insertions, deletions, substitutions and swaps of neighbours ("p59" is one step
 * from "p95"); a name may be off by about one character in three. Between equally close candidates,
 * one with the very same characters wins: "p59" is p95 with two keys swapped rather than p50 mistyped.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    const better = distance < bestDistance || (distance === bestDistance && isAnagram(wanted, candidate));
    if (distance <= limit && better) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      }
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** Whether two names have the same characters in another order. */
export function isAnagram(a: string, b: string): boolean {
  const sorted = (text: string): string => [...text.toLowerCase()].sort().join('');
  return sorted(a) === sorted(b);
}
