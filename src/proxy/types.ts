/**
 * The proxy's own copy of its configuration and event types. The proxy imports nothing from the rest of
 * faultline (it may be copied alone into an image), so these mirror the contract in
 * src/faults/proxy/config.ts; a unit test checks that the two stay assignable to each other.
 */
export interface ProxyConfig {
  runId: string;
  listeners: ProxyListener[];
  upstreamSourcePorts: { from: number; to: number };
  drainMs: number;
  seed: number;
}

export interface ProxyListener {
  id: string;
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
  protocol: 'http' | 'tcp';
  http?: HttpFault[] | undefined;
  toxics?: TcpToxic[] | undefined;
  percent?: number | undefined;
}

export interface HttpMatch {
  methods?: string[] | undefined;
  path?: string | undefined;
  pathPattern?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export type HttpAction =
  | { type: 'abort'; status: number; body?: string | undefined; headers?: Record<string, string> | undefined }
  | { type: 'delay'; ms: number; jitterMs?: number | undefined }
  | { type: 'reset' }
  | { type: 'slow-body'; bytesPerSecond: number };

export interface HttpFault {
  match: HttpMatch;
  percent: number;
  action: HttpAction;
}

export type Direction = 'upstream' | 'downstream' | 'both';

export type TcpToxic =
  | { type: 'latency'; direction: Direction; ms: number; jitterMs?: number | undefined }
  | { type: 'bandwidth'; direction: Direction; bytesPerSecond: number }
  | { type: 'slow-close'; ms: number }
  | { type: 'timeout'; ms: number }
  | { type: 'reset-peer'; afterMs: number }
  | { type: 'limit-data'; direction: Direction; bytes: number }
  | {
      type: 'slicer';
      direction: Direction;
      averageBytes: number;
      variationBytes?: number | undefined;
      delayUs: number;
    };

export type ProxyEvent =
  | { event: 'ready'; pid: number; listeners: { id: string; port: number }[] }
  | { event: 'not-http'; listener: string; firstBytes: string }
  | { event: 'error'; listener?: string | undefined; message: string }
  | { event: 'drained'; closed: number };

/** Where events go: main.ts prints them as JSON lines; tests collect them. */
export type EventSink = (event: ProxyEvent) => void;
