/**
 * The proxy's configuration and events: the contract between the proxy family (src/faults/proxy/),
 * which plans the nat rules and starts the proxy in the target's network namespace, and this program.
 * The proxy reads the configuration as JSON (a file named by its first argument). It imports nothing
 * from the rest of faultline (it may be copied alone into an image), so the contract lives here and
 * the family imports it.
 */
export interface ProxyConfig {
  /** The fault run's id; the proxy names it in every event it prints. */
  runId: string;
  listeners: ProxyListener[];
  /**
   * Upstream connections bind a local port in this range, so the nat rules that steer traffic to the
   * proxy can exempt the proxy's own connections (nothing loops).
   */
  upstreamSourcePorts: { from: number; to: number };
  /** After SIGTERM: how long connections already through the proxy may drain before they are closed. */
  drainMs: number;
  /** Seeds the choice of which requests or connections a percentage picks. */
  seed: number;
}

/** One route: what arrives on `listen` goes to `upstream`, with the faults applied on the way. */
export interface ProxyListener {
  /** The fault's id (one listener per fault and route). */
  id: string;
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
  protocol: 'http' | 'tcp';
  /** HTTP faults, tried in order; the first whose match and percentage pick a request applies. */
  http?: HttpFault[] | undefined;
  /** TCP toxics, all applied to every connection the percentage picks. */
  toxics?: TcpToxic[] | undefined;
  /** Share of connections (tcp) the toxics apply to, 0-100 (default 100). */
  percent?: number | undefined;
}

export interface HttpMatch {
  /** Upper-case methods; any when absent. */
  methods?: string[] | undefined;
  /** A path prefix (`/checkout` matches `/checkout` and `/checkout/1`, not `/checkouts`). */
  path?: string | undefined;
  /** A regular expression the path (without the query) must match. */
  pathPattern?: string | undefined;
  /** Headers (names lower-case) that must be present with exactly these values. */
  headers?: Record<string, string> | undefined;
}

export type HttpAction =
  | { type: 'abort'; status: number; body?: string | undefined; headers?: Record<string, string> | undefined }
  | { type: 'delay'; ms: number; jitterMs?: number | undefined }
  | { type: 'reset' }
  /** The response body is passed on at this rate. */
  | { type: 'slow-body'; bytesPerSecond: number };

export interface HttpFault {
  match: HttpMatch;
  /** Share of matching requests the action applies to, 0-100. */
  percent: number;
  action: HttpAction;
}

export type Direction = 'upstream' | 'downstream' | 'both';

export type TcpToxic =
  | { type: 'latency'; direction: Direction; ms: number; jitterMs?: number | undefined }
  | { type: 'bandwidth'; direction: Direction; bytesPerSecond: number }
  /** Delays the close of each side by this long. */
  | { type: 'slow-close'; ms: number }
  /** Stops passing data; closes the connection after `ms` (0: never, until the fault ends). */
  | { type: 'timeout'; ms: number }
  /** Resets the connection (RST) after `afterMs`. */
  | { type: 'reset-peer'; afterMs: number }
  /** Closes the connection once this many bytes have passed in the direction. */
  | { type: 'limit-data'; direction: Direction; bytes: number }
  /** Splits data into small pieces, each sent after a delay. */
  | {
      type: 'slicer';
      direction: Direction;
      averageBytes: number;
      variationBytes?: number | undefined;
      delayUs: number;
    };

/**
 * What the proxy prints on stdout, one JSON object per line: `ready` once every listener is bound,
 * `not-http` when a connection to an http listener does not start like HTTP/1.x (it is passed through
 * untouched and reported once per listener), `error` for anything else worth saying, and `drained`
 * before it exits.
 */
export type ProxyEvent =
  | { event: 'ready'; pid: number; listeners: { id: string; port: number }[] }
  /** `from`: who sent the first bytes (a server that speaks first, like a database, is `server`). */
  | { event: 'not-http'; listener: string; from: 'client' | 'server'; firstBytes: string }
  | { event: 'error'; listener?: string | undefined; message: string }
  | { event: 'drained'; closed: number };

export type EventSink = (event: ProxyEvent) => void;
