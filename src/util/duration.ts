const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$';
const WHOLE = new RegExp(DURATION_PATTERN);

/**
 * The longest wait a timer can hold: Node's setTimeout turns anything above 2^31-1 ms (about 24.8 days)
 * into 1 ms, so a longer duration would end at once instead of late. Every duration is checked
 * against this before a run, never shortened.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** Parses "500ms", "2s", "1.5s", "1m30s", "2h". Returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

export function formatDuration(ms: number): string {
  const rounded = Math.round(ms);
  if (rounded < 1000) return `${rounded}ms`;
  if (rounded < 60_000) {
    const seconds = rounded / 1000;
    const text = trimZeros(seconds.toFixed(seconds < 10 ? 2 : 1));
    if (Number(text) < 60) return `${text}s`;
  }
  const total = Math.round(rounded / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return (
    [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''].join('') || '0s'
  );
}

/** "24d 20h 31m 23s": days, hours, minutes and whole seconds, for durations too long for formatDuration. */
export function formatLongDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(total / 86_400), 'd'],
    [Math.floor((total % 86_400) / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
    [total % 60, 's'],
  ];
  return (
    parts
      .filter(([value]) => value > 0)
      .map(([value, unit]) => `${value}${unit}`)
      .join(' ') || '0s'
  );
}

/**
 * Why a duration cannot be honoured, or undefined when it can (or when `text` is no duration at all).
 * A number of digits so long it is not even finite is too long as well.
 */
export function durationTooLong(text: string): string | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  const ms = parseDuration(trimmed);
  if (ms !== undefined && ms <= MAX_DURATION_MS) return undefined;
  const shown = trimmed.length > 24 ? `${trimmed.slice(0, 20)}...` : trimmed;
  return `${shown} is longer than the longest duration faultline can hold, ${formatLongDuration(MAX_DURATION_MS)} (${MAX_DURATION_MS}ms)`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
