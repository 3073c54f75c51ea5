import type { z } from 'zod';
import type { Target } from '../../targets/target.js';
import type { StepPlanContext } from '../driver.js';
import { targetedDriver } from '../targeted.js';
import { httpActions, httpFault, tcpToxics } from './actions.js';
import type { HttpAction, ProxyListener, TcpToxic } from './config.js';
import { type ProxyPlan, proxyFamily } from './family.js';
import { proxyRoutes, proxySetup } from './routes.js';
import {
  type HttpSpec,
  httpAbortFault,
  httpDelayFault,
  httpResetFault,
  httpSlowBodyFault,
  type ProxySpec,
  tcpBandwidthFault,
  tcpLatencyFault,
  tcpLimitDataFault,
  tcpResetPeerFault,
  tcpSlicerFault,
  tcpSlowCloseFault,
  tcpTimeoutFault,
} from './schema.js';

/** Plans one proxy fault on one target: its routes, the proxy's configuration and the nat rules. */
export function planProxy(
  kind: string,
  spec: ProxySpec,
  body: Pick<ProxyListener, 'protocol' | 'http' | 'toxics' | 'percent'>,
  target: Target,
  faultId: string,
  ctx: Pick<StepPlanContext, 'runId' | 'peers'>,
): ProxyPlan {
  const routes = proxyRoutes(spec, target, faultId, ctx.peers);
  const setup = proxySetup({ runId: ctx.runId, faultId }, routes, body);
  return { type: 'proxy', kind, faultId, existing: spec.existing ?? 'reset', ...setup };
}

/** ` (port 8080)` or ` (to 10.0.0.3:5432)`: which traffic goes through the proxy. */
function qualifier(first: ProxyPlan): string {
  const listeners = first.config.listeners;
  if (listeners[0]?.listen.host === '0.0.0.0')
    return ` (port ${listeners.map((listener) => listener.upstream.port).join(', ')})`;
  return ` (to ${listeners.map((listener) => `${listener.upstream.host}:${listener.upstream.port}`).join(', ')})`;
}

/** A proxy driver: the listener body (HTTP faults or TCP toxics) follows from the step's spec. */
function proxyDriver<const Kind extends string, Spec extends ProxySpec>(
  kind: Kind,
  schema: () => z.ZodType<Spec>,
  body: (spec: Spec) => Parameters<typeof planProxy>[2],
) {
  return targetedDriver({
    kind,
    family: proxyFamily,
    schema,
    planOne: (spec, target, faultId, ctx) => planProxy(kind, spec, body(spec), target, faultId, ctx),
    qualifier: (first) => qualifier(first as ProxyPlan),
  });
}

function httpDriver<const Kind extends keyof typeof httpActions, Spec extends HttpSpec>(
  kind: Kind,
  schema: () => z.ZodType<Spec>,
  action: (spec: Spec) => HttpAction,
) {
  return proxyDriver(kind, schema, (spec) => ({ protocol: 'http', http: [httpFault(spec, action(spec))] }));
}

function tcpDriver<const Kind extends keyof typeof tcpToxics, Spec extends ProxySpec>(
  kind: Kind,
  schema: () => z.ZodType<Spec>,
  toxic: (spec: Spec) => TcpToxic,
) {
  return proxyDriver(kind, schema, (spec) => ({
    protocol: 'tcp',
    toxics: [toxic(spec)],
    percent: spec.percent ?? 100,
  }));
}

export const httpAbortDriver = httpDriver('http-abort', httpAbortFault, httpActions['http-abort']);
export const httpDelayDriver = httpDriver('http-delay', httpDelayFault, httpActions['http-delay']);
export const httpResetDriver = httpDriver('http-reset', httpResetFault, httpActions['http-reset']);
export const httpSlowBodyDriver = httpDriver(
  'http-slow-body',
  httpSlowBodyFault,
  httpActions['http-slow-body'],
);
export const tcpLatencyDriver = tcpDriver('tcp-latency', tcpLatencyFault, tcpToxics['tcp-latency']);
export const tcpBandwidthDriver = tcpDriver('tcp-bandwidth', tcpBandwidthFault, tcpToxics['tcp-bandwidth']);
export const tcpSlowCloseDriver = tcpDriver('tcp-slow-close', tcpSlowCloseFault, tcpToxics['tcp-slow-close']);
export const tcpTimeoutDriver = tcpDriver('tcp-timeout', tcpTimeoutFault, tcpToxics['tcp-timeout']);
export const tcpResetPeerDriver = tcpDriver('tcp-reset-peer', tcpResetPeerFault, tcpToxics['tcp-reset-peer']);
export const tcpLimitDataDriver = tcpDriver('tcp-limit-data', tcpLimitDataFault, tcpToxics['tcp-limit-data']);
export const tcpSlicerDriver = tcpDriver('tcp-slicer', tcpSlicerFault, tcpToxics['tcp-slicer']);
