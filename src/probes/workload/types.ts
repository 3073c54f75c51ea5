import type { TargetSelector } from '../../experiment/shapes.js';

/**
 * A workload probe as the schema hands it over: durations in milliseconds, the rate in writes per
 * second. `${id}` in a write's URL, header values, body strings and command arguments becomes the
 * write's own id (see ids.ts).
 */
export interface WorkloadSpec {
  write: WriteSpec;
  read: ReadSpec;
  /** Writes per second, open model: write i is due i/rate seconds after the start. */
  rate: number;
  /** Writes in flight at most; a write due while this many are in flight is skipped. */
  concurrency: number;
  /** Writes sent at most, over the whole run. */
  writes: number;
  /** Each write's deadline (ms): past it, the write is indeterminate. Also the read-back's per request. */
  timeout: number;
  /** What counts as an acknowledged write; 2xx / exit 0 when absent. */
  ack?: AckSpec | undefined;
  /** How long (ms) it writes before the method starts, at least: the baseline its availability is judged on. */
  before?: number | undefined;
  /** How long (ms) it goes on writing once the hypothesis holds again, before the read-back. */
  after?: number | undefined;
}

/** Exactly one of the three. */
export type WriteSpec =
  | { http: HttpWriteSpec; command?: undefined; exec?: undefined }
  | { command: readonly string[]; http?: undefined; exec?: undefined }
  | { exec: ExecWriteSpec; http?: undefined; command?: undefined };

export interface HttpWriteSpec {
  url: string;
  method: string;
  headers?: Record<string, string> | undefined;
  /**
   * A string is sent as written; any other JSON value is sent as JSON (content-type application/json
   * unless a header names one). `${id}` is replaced in every string value, at any depth; keys stay.
   */
  body?: unknown;
}

export interface ExecWriteSpec {
  target: TargetSelector;
  command: readonly string[];
}

/**
 * Exactly one of the two; a command prints one value per line. `timeout` (ms) bounds each page or the
 * command; 10 s when absent (a listing is slower than a write).
 */
export type ReadSpec = (
  | { http: HttpReadSpec; command?: undefined }
  | { command: readonly string[]; http?: undefined }
) & { timeout?: number | undefined };

export interface HttpReadSpec {
  url: string;
  method?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** JSON path to the array of values in each page, e.g. `$.values` or `$.items`. */
  values: string;
  /** When the array holds objects: the path, inside each object, to the value, e.g. `$.id`. */
  value?: string | undefined;
  /**
   * JSON path to the next page's cursor; absent, null, "" or false means this was the last page. A
   * cursor that is an absolute URL (http:// or https://) or starts with "/" is fetched as it is
   * (relative to the page it came from); any other string or number is sent as `?<cursorParam>=<cursor>`
   * on the first page's URL.
   */
  next?: string | undefined;
  /** The query parameter that carries a plain cursor; `after` when absent. */
  cursorParam?: string | undefined;
  /** Pages fetched at most; more is an error (a cursor that never ends). 1000 when absent. */
  maxPages?: number | undefined;
  /** Values read at most, over all pages; more is an error. 1,000,000 when absent. */
  maxValues?: number | undefined;
}

/** HTTP statuses that acknowledge a write: codes such as 201, or classes such as '2xx'. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
export interface AckSpec {
  status?: readonly (number | StatusClass)[] | undefined;
}

/** When a write started, relative to the experiment: set from outside as the run moves on. */
export type WorkloadPhase = 'before' | 'during' | 'after';
export const WORKLOAD_PHASES: readonly WorkloadPhase[] = ['before', 'during', 'after'];

export type WriteOutcome = 'acknowledged' | 'refused' | 'indeterminate';

/** What the system told a write: an HTTP answer, a process's exit, or an error (no answer). */
export type Told =
  | { kind: 'http'; status: number; body: string }
  | { kind: 'process'; exitCode: number; output: string }
  | { kind: 'error'; message: string };

export interface WriteRecord {
  /** Position in the schedule, from 0; the id is `<prefix>-<seq>`. */
  seq: number;
  id: string;
  phase: WorkloadPhase;
  /** Epoch ms when its slot fell due; `startedAt - dueAt` is the writer's own lag. */
  dueAt: number;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  outcome: WriteOutcome;
  told: Told;
  /** Set when the write could not be attempted for the tool's or environment's reason (no such program). */
  toolError?: true;
}

/** A write that was due while `concurrency` writes were in flight: never sent. */
export interface SkippedWrite {
  phase: WorkloadPhase;
  /** Epoch ms. */
  dueAt: number;
}

/** Everything the runner saw, handed to the judge. */
export interface WorkloadRun {
  prefix: string;
  /** Epoch ms when write 0 was due. */
  startedAt: number;
  records: WriteRecord[];
  skipped: SkippedWrite[];
}
