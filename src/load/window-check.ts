import { formatDuration } from '../util/duration.js';

/** A load probe's timing as the experiment file gives it (milliseconds; rate per second). */
export interface LoadTiming {
  rate: number;
  before?: number | undefined;
  after?: number | undefined;
  window?: number | undefined;
}

/** The baseline and after windows of a load probe that does not set them. */
export const LOAD_DEFAULTS = { before: 5000, after: 5000 } as const;

/** The time between two requests of a load at `rate` per second. */
export function requestIntervalMs(rate: number): number {
  return 1000 / rate;
}

/**
 * The windows of a load probe too short to hold a single request at its rate: a window without
 * requests says nothing about the system, so it is refused before anything runs. Zero is allowed (no
 * window at all); an unset before or after is the default of 5s.
 */
export function emptyWindows(timing: LoadTiming): { key: 'before' | 'after' | 'window'; message: string }[] {
  if (!(timing.rate > 0)) return [];
  const interval = requestIntervalMs(timing.rate);
  const issues: { key: 'before' | 'after' | 'window'; message: string }[] = [];
  for (const key of ['before', 'after', 'window'] as const) {
    const ms = key === 'window' ? timing.window : (timing[key] ?? LOAD_DEFAULTS[key]);
    if (ms === undefined || ms <= 0 || ms >= interval) continue;
    issues.push({
      key,
      message: `${timing[key] === undefined ? `the default of ${formatDuration(ms)}` : formatDuration(ms)} holds no request at ${formatRate(timing.rate)} (one every ${formatDuration(interval)}): make ${key} at least ${formatDuration(Math.ceil(interval))} or raise the rate`,
    });
  }
  return issues;
}

export function formatRate(rate: number): string {
  return rate >= 1 ? `${Math.round(rate * 100) / 100}/s` : `${Math.round(rate * 60 * 100) / 100}/m`;
}
