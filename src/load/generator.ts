import http from 'node:http';
import https from 'node:https';
import { checkHeaders, withContentLength } from '../util/http-headers.js';
import type { RequestRecord } from './types.js';

export interface LoadGeneratorOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  ratePerSecond: number;
  /** Each request's whole deadline, from the moment it is sent to the end of its response. */
  timeoutMs: number;
  /** Which statuses count as success; 2xx by default. */
  okStatus?: (status: number) => boolean;
  /**
   * Receives each finished request with its place in the schedule (due at startedAt + index/rate).
   * When given, the generator keeps no records itself, so memory does not grow with the run.
   */
  onRecord?: (record: RequestRecord, index: number) => void;
}

/** Epoch milliseconds with sub-millisecond precision, from the monotonic clock. */
const now = (): number => performance.timeOrigin + performance.now();

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/**
 * Sends HTTP requests at a fixed rate, open model: request i is due at t0 + i/rate and leaves then,
 * whether or not earlier ones were answered, so a stalled service cannot slow the load down and hide
 * its latency. Latency runs from the due time (what a user arriving then would wait), so the
 * generator's own lag counts against the service, never in its favour; `startedAt - scheduledAt` is
 * that lag. When the event loop falls behind, every overdue request leaves at once.
 */
export class LoadGenerator {
  /** Finished requests, in the order they finished (none when `onRecord` takes them). */
  readonly records: RequestRecord[] = [];

  readonly #url: URL;
  readonly #transport: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #options: LoadGeneratorOptions;
  readonly #okStatus: (status: number) => boolean;
  /** The headers to send, or why they cannot be sent (every request then fails with that reason). */
  readonly #headers: { ok: true; headers: Record<string, string> } | { ok: false; problem: string };
  readonly #inFlight = new Set<Promise<void>>();
  #t0 = 0;
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #state: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(options: LoadGeneratorOptions) {
    if (!(options.ratePerSecond > 0 && Number.isFinite(options.ratePerSecond))) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${options.ratePerSecond}`);
    }
    if (!(options.timeoutMs > 0 && Number.isFinite(options.timeoutMs))) {
      throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}`);
    }
    this.#url = new URL(options.url);
    if (this.#url.protocol !== 'http:' && this.#url.protocol !== 'https:') {
      throw new RangeError(`expected an http:// or https:// URL, got ${this.#url.protocol}`);
    }
    this.#options = options;
    this.#headers = checkHeaders(options.headers);
    this.#okStatus = options.okStatus ?? isSuccess;
    this.#transport = this.#url.protocol === 'https:' ? https : http;
    // Every request in flight holds its own socket: a paused service must never make later requests
    // queue for a socket, or they would leave late and the schedule would bend to the service.
    const agentOptions = { keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 1024 };
    this.#agent = this.#transport === https ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** When request 0 was due (epoch ms); request i is due i/rate seconds later. 0 before `start()`. */
  get startedAt(): number {
    return this.#t0;
  }

  start(): void {
    if (this.#state !== 'idle') throw new Error('a load generator starts only once');
    this.#state = 'running';
    this.#t0 = now();
    this.#tick();
  }

  /** Stops scheduling, waits for the requests in flight (each within its timeout), returns the records kept. */
  async stop(): Promise<RequestRecord[]> {
    if (this.#state === 'running') {
      this.#sendOverdue();
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#state = 'stopped';
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    this.#agent.destroy();
    return [...this.records].sort((a, b) => a.scheduledAt - b.scheduledAt);
  }

  #dueAt(index: number): number {
    // From t0 every time, never "previous + interval": rounding errors must not add up into drift.
    return this.#t0 + (index * 1000) / this.#options.ratePerSecond;
  }

  #tick = (): void => {
    if (this.#state !== 'running') return;
    this.#sendOverdue();
    const wait = this.#dueAt(this.#next) - now();
    // Timers fire on whole milliseconds and never early: round up so a wake-up finds its request due.
    this.#timer = setTimeout(this.#tick, Math.max(1, Math.ceil(wait)));
  };

  #sendOverdue(): void {
    const sentAt = now();
    while (this.#dueAt(this.#next) <= sentAt) {
      this.#send(this.#dueAt(this.#next), this.#next);
      this.#next++;
    }
  }

  #send(scheduledAt: number, index: number): void {
    const onRecord = this.#options.onRecord;
    const pending = this.#request(scheduledAt).then((record) => {
      if (onRecord) onRecord(record, index);
      else this.records.push(record);
    });
    this.#inFlight.add(pending);
    void pending.finally(() => this.#inFlight.delete(pending));
  }

  #request(scheduledAt: number): Promise<RequestRecord> {
    const { method = 'GET', body, timeoutMs } = this.#options;
    const headers = this.#headers;
    return new Promise((resolve) => {
      const startedAt = now();
      let settled = false;
      let status: number | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const finish = (error?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        const ok = error === undefined && status !== undefined && this.#okStatus(status);
        resolve({
          scheduledAt,
          startedAt,
          latencyMs: now() - scheduledAt,
          status,
          error: error ?? (ok ? undefined : `status ${status}`),
          ok,
        });
      };
      if (!headers.ok) {
        finish(headers.problem);
        return;
      }
      try {
        const request = this.#transport.request(this.#url, {
          method,
          headers: withContentLength(headers.headers, body),
          agent: this.#agent,
        });
        deadline = setTimeout(() => {
          finish('timeout');
          request.destroy();
        }, timeoutMs);
        request.on('response', (response) => {
          status = response.statusCode;
          response.on('error', (error) => finish(describeError(error)));
          response.on('end', () => finish());
          response.on('close', () => finish(response.complete ? undefined : 'reset'));
          response.resume();
        });
        request.on('error', (error) => finish(describeError(error)));
        request.end(body);
      } catch (error) {
        finish(withoutHeaderValues(error instanceof Error ? error.message : String(error)));
      }
    });
  }
}

const ERROR_CODES: Record<string, string> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};

/** A short reason: refused, reset, timeout, host not found, unreachable, or the error's own code. */
function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ERROR_CODES[code]) return ERROR_CODES[code];
  if (code) return code.toLowerCase();
  return withoutHeaderValues(error.message);
}

/** A client's message about a header may quote the header's value: never pass it on. */
function withoutHeaderValues(message: string): string {
  return /header/i.test(message) ? 'the HTTP client refused a header (its value is not shown)' : message;
}
