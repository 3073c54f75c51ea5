import * as z from 'zod';
import { checkRegExp, duration, faultCommon, numeric, positiveDuration } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { networkCommon, percentage, rate } from '../network-shapes.js';
import { stepKind } from '../step-kind.js';

/**
 * The proxy steps as they are written in the file: HTTP faults (`http-*`) and TCP toxics (`tcp-*`),
 * applied by a proxy in the target's network namespace. Every step says which traffic goes through
 * the proxy: `port` (traffic the target receives on its own ports) or `to` with `ports` (traffic it
 * sends to those peers' ports).
 */

const scope = builtOnce(() => ({
  ...faultCommon,
  port: networkCommon().ports.meta({
    description: "The target's own ports: the traffic it receives on them goes through the proxy",
  }),
  to: networkCommon().to.meta({
    description:
      'Peers (containers or single addresses): the traffic the target sends them goes through the proxy',
  }),
  ports: networkCommon().ports.meta({ description: "The peers' ports (required with to)" }),
  percent: percentage()
    .optional()
    .meta({ description: 'Share of requests or connections affected (default 100%)' }),
  existing: z.enum(['reset', 'keep']).optional().meta({
    description:
      'Connections opened before the fault: reset (default) so their clients reconnect through the proxy, or keep (they bypass the fault until they close)',
  }),
}));

interface Scoped {
  port?: unknown;
  to?: unknown;
  ports?: unknown;
}

/** Either the target's own ports, or peers with their ports: never both, never neither. */
function checkScope(value: Scoped, ctx: z.RefinementCtx): void {
  if (value.port !== undefined && value.to !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'use either port (traffic the target receives) or to with ports (traffic it sends), not both',
      path: ['to'],
    });
  } else if (value.port === undefined && value.to === undefined) {
    ctx.addIssue({
      code: 'custom',
      message:
        "a proxy fault needs port (the target's own ports, e.g. port: 8080) or to with ports (peers, e.g. to: { service: db }, ports: 5432)",
    });
  } else if (value.to !== undefined && value.ports === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: "to needs ports: the peers' ports to proxy, e.g. ports: 5432",
      path: ['to'],
    });
  } else if (value.port !== undefined && value.ports !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: "ports goes with to (the peers' ports); the target's own ports are port",
      path: ['ports'],
    });
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = builtOnce(() =>
  z.string().regex(TOKEN, { message: 'expected an HTTP header name such as x-request-id' }),
);
const headers = builtOnce(() => z.record(headerName(), z.string()));
const methodName = builtOnce(() =>
  z
    .string()
    .regex(/^[A-Za-z]+$/, { message: 'expected an HTTP method such as GET or POST' })
    .transform((text) => text.toUpperCase()),
);

export const httpMatch = builtOnce(() =>
  z
    .strictObject({
      method: z
        .union([methodName(), z.array(methodName()).min(1)])
        .transform((value) => (Array.isArray(value) ? value : [value]))
        .optional()
        .meta({ description: 'A method or a list of methods (default any)' }),
      path: z
        .string()
        .regex(/^\//, { message: 'expected a path starting with /, such as /checkout' })
        .optional()
        .meta({ description: 'A path prefix: /checkout matches /checkout and /checkout/1, not /checkouts' }),
      'path-pattern': z
        .string()
        .superRefine((text, ctx) => checkRegExp(text, ctx, []))
        .optional()
        .meta({ description: 'A regular expression the path (without the query) must match' }),
      headers: headers()
        .optional()
        .meta({ description: 'Headers the request must carry with exactly these values' }),
    })
    .meta({ description: 'Which requests the fault applies to (default all)' }),
);

const http = builtOnce(() => ({ ...scope(), match: httpMatch().optional() }));

const tcpDirection = builtOnce(() =>
  z
    .enum(['upstream', 'downstream', 'both'])
    .optional()
    .meta({ description: 'upstream (what the client sends), downstream (the answers, default) or both' }),
);

const bytes = builtOnce(() =>
  numeric(z.number().int().positive({ message: 'expected a number of bytes above zero' })),
);

const STATUS = 'expected an HTTP status from 100 to 599';

export const httpAbortFault = builtOnce(() =>
  z
    .strictObject({
      ...http(),
      status: numeric(
        z
          .number()
          .min(100, { message: STATUS })
          .max(599, { message: STATUS })
          .refine(Number.isInteger, { message: STATUS }),
      ).meta({ description: 'The status of the answer the proxy gives instead of the upstream' }),
      body: z.string().optional().meta({ description: "The answer's body (default empty)" }),
      headers: headers().optional().meta({ description: "The answer's headers" }),
    })
    .superRefine(checkScope),
);

export const httpDelayFault = builtOnce(() =>
  z
    .strictObject({
      ...http(),
      latency: positiveDuration.meta({ description: 'Delay added before each request is passed on' }),
      jitter: duration.optional().meta({ description: 'Random variation of the delay, plus or minus' }),
    })
    .superRefine(checkScope),
);

export const httpResetFault = builtOnce(() => z.strictObject({ ...http() }).superRefine(checkScope));

export const httpSlowBodyFault = builtOnce(() =>
  z
    .strictObject({
      ...http(),
      rate: rate().meta({ description: 'The rate the response body is passed on at' }),
    })
    .superRefine(checkScope),
);

export const tcpLatencyFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      latency: positiveDuration.meta({ description: 'Delay added to the data' }),
      jitter: duration.optional().meta({ description: 'Random variation of the delay, plus or minus' }),
      direction: tcpDirection(),
    })
    .superRefine(checkScope),
);

export const tcpBandwidthFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      rate: rate().meta({ description: 'The rate the data is passed on at' }),
      direction: tcpDirection(),
    })
    .superRefine(checkScope),
);

export const tcpSlowCloseFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      delay: positiveDuration.meta({ description: 'How long each close is delayed' }),
    })
    .superRefine(checkScope),
);

export const tcpTimeoutFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      after: duration.optional().meta({
        description: 'Close the stalled connection after this long (default 0: hold it until the fault ends)',
      }),
    })
    .superRefine(checkScope),
);

export const tcpResetPeerFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      after: duration
        .optional()
        .meta({ description: 'Reset each connection this long after it opens (default 0)' }),
    })
    .superRefine(checkScope),
);

export const tcpLimitDataFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      bytes: bytes().meta({ description: 'Close the connection once this many bytes have passed' }),
      direction: tcpDirection(),
    })
    .superRefine(checkScope),
);

export const tcpSlicerFault = builtOnce(() =>
  z
    .strictObject({
      ...scope(),
      'average-size': bytes().meta({ description: 'Average size of each piece, in bytes' }),
      'size-variation': numeric(z.number().int().nonnegative())
        .optional()
        .meta({ description: 'How much a piece may differ from the average, in bytes (default 0)' }),
      delay: duration.optional().meta({ description: 'Pause before each piece (default 0)' }),
      direction: tcpDirection(),
    })
    .superRefine((value, ctx) => {
      checkScope(value, ctx);
      if ((value['size-variation'] ?? 0) >= value['average-size']) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a size-variation below average-size',
          path: ['size-variation'],
        });
      }
    }),
);

export type HttpAbortSpec = z.output<ReturnType<typeof httpAbortFault>>;
export type HttpDelaySpec = z.output<ReturnType<typeof httpDelayFault>>;
export type HttpSlowBodySpec = z.output<ReturnType<typeof httpSlowBodyFault>>;
export type HttpSpec = z.output<ReturnType<typeof httpResetFault>>;
export type TcpLatencySpec = z.output<ReturnType<typeof tcpLatencyFault>>;
export type TcpBandwidthSpec = z.output<ReturnType<typeof tcpBandwidthFault>>;
export type TcpSlowCloseSpec = z.output<ReturnType<typeof tcpSlowCloseFault>>;
export type TcpTimeoutSpec = z.output<ReturnType<typeof tcpTimeoutFault>>;
export type TcpResetPeerSpec = z.output<ReturnType<typeof tcpResetPeerFault>>;
export type TcpLimitDataSpec = z.output<ReturnType<typeof tcpLimitDataFault>>;
export type TcpSlicerSpec = z.output<ReturnType<typeof tcpSlicerFault>>;
const proxyBase = builtOnce(() => z.strictObject(scope()));
/** What every proxy step has: its scope, its share, and the common fault keys. */
export type ProxySpec = z.output<ReturnType<typeof proxyBase>>;

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const proxyKinds = [
  stepKind('http-abort', 'proxy', httpAbortFault),
  stepKind('http-delay', 'proxy', httpDelayFault),
  stepKind('http-reset', 'proxy', httpResetFault),
  stepKind('http-slow-body', 'proxy', httpSlowBodyFault),
  stepKind('tcp-latency', 'proxy', tcpLatencyFault),
  stepKind('tcp-bandwidth', 'proxy', tcpBandwidthFault),
  stepKind('tcp-slow-close', 'proxy', tcpSlowCloseFault),
  stepKind('tcp-timeout', 'proxy', tcpTimeoutFault),
  stepKind('tcp-reset-peer', 'proxy', tcpResetPeerFault),
  stepKind('tcp-limit-data', 'proxy', tcpLimitDataFault),
  stepKind('tcp-slicer', 'proxy', tcpSlicerFault),
] as const;
