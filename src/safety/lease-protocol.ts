import { parseDuration } from '../util/duration.js';

/**
 * What the run says on the lease (the watchdog's standard input): `watch` once its ledger is on disk
 * (the watchdog starts watching and answers `ready`); `done` lets the watchdog go; `handover` leaves it
 * the faults a revert failed on.
 */
export const LEASE_WATCH = 'watch';
export const LEASE_DONE = 'done';
export const LEASE_HANDOVER = 'handover';

/**
 * How long a watchdog keeps retrying a revert that fails (Docker unreachable, say) before it gives up
 * and leaves the fault to `faultline recover`: 5 minutes, long enough for a Docker daemon to restart;
 * FAULTLINE_RETRY_WINDOW (a duration) changes it.
 */
export function retryWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.FAULTLINE_RETRY_WINDOW ? parseDuration(env.FAULTLINE_RETRY_WINDOW) : undefined;
  return set ?? 5 * 60_000;
}
