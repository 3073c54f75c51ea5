const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The milliseconds in a duration such as "1.5ms", "1.23s" or "1m30s", without rounding to whole
 * milliseconds. Check the text with parseDuration first: this one does not validate.
 */
export function exactDurationMs(text: string): number {
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_MS[part[2]!] ?? Number.NaN);
  }
  return total;
}
