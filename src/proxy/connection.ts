import type net from 'node:net';
import type { ErrorReporter } from './events.js';

/** One client connection through a listener, whatever the protocol. */
export interface Connection {
  /** The upstream connection is up: bytes may flow. */
  connected(upstream: net.Socket): void;
  /** The proxy is stopping: finish what is in flight, then close (HTTP closes between requests). */
  drain(): void;
  /** Closes both sides now. */
  close(): void;
}

export interface ConnectionContext {
  errors: ErrorReporter;
}

/** Resolves after `ms` milliseconds (at once for 0 or less). */
export function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
