import { isNotFound } from '../docker/client.js';
import { sleep } from '../util/sleep.js';

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const REVERT_RETRY: RetryOptions = { attempts: 5, baseMs: 200, maxMs: 3000 };

/**
 * Retries an operation with exponential backoff and full jitter. A missing container (404) is not
 * transient and is not retried.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  options: RetryOptions = REVERT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= options.attempts || isNotFound(error)) throw error;
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }
}
