import { rateBitsPerSecond } from '../../network/tc-plan.js';
import type { HttpAction, HttpFault, HttpMatch, TcpToxic } from './config.js';
import type {
  HttpAbortSpec,
  HttpDelaySpec,
  HttpSlowBodySpec,
  HttpSpec,
  TcpBandwidthSpec,
  TcpLatencySpec,
  TcpLimitDataSpec,
  TcpResetPeerSpec,
  TcpSlicerSpec,
  TcpSlowCloseSpec,
  TcpTimeoutSpec,
} from './schema.js';

/** What a proxy step asks of the proxy, in the proxy's own terms (config.ts), from the step's spec. */

const bytesPerSecond = (rate: string) => Math.round(rateBitsPerSecond(rate) / 8);
const lowerKeys = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]));

export function httpMatchOf(spec: HttpSpec): HttpMatch {
  const match = spec.match ?? {};
  return {
    ...(match.method ? { methods: match.method } : {}),
    ...(match.path !== undefined ? { path: match.path } : {}),
    ...(match['path-pattern'] !== undefined ? { pathPattern: match['path-pattern'] } : {}),
    ...(match.headers ? { headers: lowerKeys(match.headers) } : {}),
  };
}

export const httpActions = {
  'http-abort': (spec: HttpAbortSpec): HttpAction => ({
    type: 'abort',
    status: spec.status,
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
  }),
  'http-delay': (spec: HttpDelaySpec): HttpAction => ({
    type: 'delay',
    ms: spec.latency,
    ...(spec.jitter ? { jitterMs: spec.jitter } : {}),
  }),
  'http-reset': (_spec: HttpSpec): HttpAction => ({ type: 'reset' }),
  'http-slow-body': (spec: HttpSlowBodySpec): HttpAction => ({
    type: 'slow-body',
    bytesPerSecond: bytesPerSecond(spec.rate),
  }),
};

export function httpFault(spec: HttpSpec, action: HttpAction): HttpFault {
  return { match: httpMatchOf(spec), percent: spec.percent ?? 100, action };
}

export const tcpToxics = {
  'tcp-latency': (spec: TcpLatencySpec): TcpToxic => ({
    type: 'latency',
    direction: spec.direction ?? 'downstream',
    ms: spec.latency,
    ...(spec.jitter ? { jitterMs: spec.jitter } : {}),
  }),
  'tcp-bandwidth': (spec: TcpBandwidthSpec): TcpToxic => ({
    type: 'bandwidth',
    direction: spec.direction ?? 'downstream',
    bytesPerSecond: bytesPerSecond(spec.rate),
  }),
  'tcp-slow-close': (spec: TcpSlowCloseSpec): TcpToxic => ({ type: 'slow-close', ms: spec.delay }),
  'tcp-timeout': (spec: TcpTimeoutSpec): TcpToxic => ({ type: 'timeout', ms: spec.after ?? 0 }),
  'tcp-reset-peer': (spec: TcpResetPeerSpec): TcpToxic => ({ type: 'reset-peer', afterMs: spec.after ?? 0 }),
  'tcp-limit-data': (spec: TcpLimitDataSpec): TcpToxic => ({
    type: 'limit-data',
    direction: spec.direction ?? 'downstream',
    bytes: spec.bytes,
  }),
  'tcp-slicer': (spec: TcpSlicerSpec): TcpToxic => ({
    type: 'slicer',
    direction: spec.direction ?? 'downstream',
    averageBytes: spec['average-size'],
    ...(spec['size-variation'] !== undefined ? { variationBytes: spec['size-variation'] } : {}),
    delayUs: Math.round((spec.delay ?? 0) * 1000),
  }),
};

const directionText = (direction: string) => (direction === 'both' ? 'both ways' : direction);

/** One line for the plan: what the proxy does, e.g. `abort 503 (100% of GET /checkout*)`. */
export function describeHttp(fault: HttpFault): string {
  const { action, match } = fault;
  const what =
    action.type === 'abort'
      ? `abort ${action.status}`
      : action.type === 'delay'
        ? `delay ${action.ms}ms${action.jitterMs ? ` ± ${action.jitterMs}ms` : ''}`
        : action.type === 'slow-body'
          ? `slow body ${action.bytesPerSecond} B/s`
          : 'reset';
  const path =
    match.path !== undefined
      ? `${match.path}*`
      : match.pathPattern !== undefined
        ? `~${match.pathPattern}`
        : '';
  const headers = Object.entries(match.headers ?? {}).map(([name, value]) => ` ${name}: ${value}`);
  const which = [match.methods?.join('|') ?? '', path].filter(Boolean).join(' ') || 'any request';
  return `${what} (${fault.percent}% of ${which}${headers.join('')})`;
}

export function describeToxic(toxic: TcpToxic, percent: number): string {
  const what = (() => {
    switch (toxic.type) {
      case 'latency':
        return `latency ${toxic.ms}ms${toxic.jitterMs ? ` ± ${toxic.jitterMs}ms` : ''} ${directionText(toxic.direction)}`;
      case 'bandwidth':
        return `bandwidth ${toxic.bytesPerSecond} B/s ${directionText(toxic.direction)}`;
      case 'slow-close':
        return `slow close ${toxic.ms}ms`;
      case 'timeout':
        return toxic.ms > 0 ? `timeout after ${toxic.ms}ms` : 'timeout (hold until the fault ends)';
      case 'reset-peer':
        return `reset after ${toxic.afterMs}ms`;
      case 'limit-data':
        return `limit ${toxic.bytes} bytes ${directionText(toxic.direction)}`;
      case 'slicer':
        return `slice ${toxic.averageBytes}±${toxic.variationBytes ?? 0} bytes every ${toxic.delayUs}us ${directionText(toxic.direction)}`;
    }
  })();
  return `${what} (${percent}% of connections)`;
}
