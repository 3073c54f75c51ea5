import type { HttpFault, ProxyConfig, ProxyListener, TcpToxic } from './types.js';

/** A configuration the proxy cannot run, with the path of the value at fault. */
export class ConfigError extends Error {}

const ACTIONS = new Set(['abort', 'delay', 'reset', 'slow-body']);
const TOXICS = new Set([
  'latency',
  'bandwidth',
  'slow-close',
  'timeout',
  'reset-peer',
  'limit-data',
  'slicer',
]);

/**
 * Checks the parsed JSON against the shape the proxy relies on (the proxy family writes it, so this is
 * a guard against mismatched versions, not a user-facing schema). Throws a ConfigError naming the path.
 */
export function parseConfig(text: string): ProxyConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the configuration is not JSON: ${(error as Error).message}`);
  }
  const config = object(value, 'config') as unknown as ProxyConfig;
  text_(config.runId, 'runId');
  const range = object(config.upstreamSourcePorts, 'upstreamSourcePorts');
  port(range.from, 'upstreamSourcePorts.from', 1);
  port(range.to, 'upstreamSourcePorts.to', config.upstreamSourcePorts.from);
  number(config.drainMs, 'drainMs', 0);
  number(config.seed, 'seed', Number.MIN_SAFE_INTEGER);
  if (!Array.isArray(config.listeners)) throw new ConfigError('listeners: expected a list');
  for (const [index, listener] of config.listeners.entries()) checkListener(listener, `listeners[${index}]`);
  return config;
}

function checkListener(listener: ProxyListener, path: string): void {
  object(listener, path);
  text_(listener.id, `${path}.id`);
  text_(listener.listen?.host, `${path}.listen.host`);
  port(listener.listen?.port, `${path}.listen.port`, 0);
  text_(listener.upstream?.host, `${path}.upstream.host`);
  port(listener.upstream?.port, `${path}.upstream.port`, 1);
  if (listener.protocol !== 'http' && listener.protocol !== 'tcp') {
    throw new ConfigError(`${path}.protocol: expected "http" or "tcp"`);
  }
  if (listener.percent !== undefined) number(listener.percent, `${path}.percent`, 0, 100);
  for (const [index, fault] of (listener.http ?? []).entries()) checkFault(fault, `${path}.http[${index}]`);
  for (const [index, toxic] of (listener.toxics ?? []).entries())
    checkToxic(toxic, `${path}.toxics[${index}]`);
}

function checkFault(fault: HttpFault, path: string): void {
  object(fault.match, `${path}.match`);
  number(fault.percent, `${path}.percent`, 0, 100);
  if (!ACTIONS.has(object(fault.action, `${path}.action`).type as string)) {
    throw new ConfigError(`${path}.action.type: expected one of ${[...ACTIONS].join(', ')}`);
  }
  if (fault.match.pathPattern !== undefined) {
    try {
      new RegExp(fault.match.pathPattern);
    } catch (error) {
      throw new ConfigError(`${path}.match.pathPattern: ${(error as Error).message}`);
    }
  }
  const action = fault.action;
  if (action.type === 'abort') number(action.status, `${path}.action.status`, 100, 999);
  if (action.type === 'delay') number(action.ms, `${path}.action.ms`, 0);
  if (action.type === 'slow-body') number(action.bytesPerSecond, `${path}.action.bytesPerSecond`, 1);
}

function checkToxic(toxic: TcpToxic, path: string): void {
  if (!TOXICS.has(object(toxic, path).type as string)) {
    throw new ConfigError(`${path}.type: expected one of ${[...TOXICS].join(', ')}`);
  }
  const numbers: Record<string, [string, number][]> = {
    latency: [['ms', 0]],
    bandwidth: [['bytesPerSecond', 1]],
    'slow-close': [['ms', 0]],
    timeout: [['ms', 0]],
    'reset-peer': [['afterMs', 0]],
    'limit-data': [['bytes', 0]],
    slicer: [
      ['averageBytes', 1],
      ['delayUs', 0],
    ],
  };
  for (const [key, min] of numbers[toxic.type] ?? []) {
    number((toxic as unknown as Record<string, unknown>)[key], `${path}.${key}`, min);
  }
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${path}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function text_(value: unknown, path: string): void {
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`${path}: expected a non-empty string`);
}

function number(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${path}: expected a number from ${min} to ${max}`);
  }
}

function port(value: unknown, path: string, min: number): void {
  if (!Number.isInteger(value)) throw new ConfigError(`${path}: expected a port number`);
  number(value, path, min, 65535);
}
