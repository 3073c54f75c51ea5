import type { ComposeFile } from './compose-file.js';
import { isRecord } from './compose-file.js';
import { translateComposeValue } from './compose-value.js';
import { type PublishedPort, publishedPort } from './ports.js';

/**
 * What a starter experiment is made from: each service, the ports it publishes on this host (and
 * whether they speak HTTP), and its healthcheck as a command, plus what was skipped and why.
 */
export interface ServiceFacts {
  name: string;
  ports: (PublishedPort & { http?: { path: string; why: string } })[];
  /** The healthcheck as an argument list (a shell form runs in `sh -c`, as Docker runs it). */
  healthcheck?: string[];
}

export interface ComposeFacts {
  services: ServiceFacts[];
  /** One line per port or healthcheck left out, naming the service. */
  skipped: string[];
}

/** Container ports that usually serve HTTP when nothing says otherwise. */
export const HTTP_PORTS = [80, 3000, 4000, 5000, 8000, 8008, 8080, 8081, 8888, 9000];

export function composeFacts(compose: ComposeFile): ComposeFacts {
  const skipped: string[] = [];
  const services = compose.services.map(([name, definition]): ServiceFacts => {
    const health = healthcheckOf(definition.healthcheck);
    if ('skipped' in health) skipped.push(`${name}: healthcheck ${health.skipped}`);
    const command = 'command' in health ? health.command : undefined;
    const ports: ServiceFacts['ports'] = [];
    for (const entry of Array.isArray(definition.ports) ? definition.ports : []) {
      const result = publishedPort(entry);
      if ('skipped' in result) skipped.push(`${name}: port ${result.skipped}`);
      else ports.push({ ...result.port, ...httpOf(result.port.containerPort, definition.healthcheck) });
    }
    return { name, ports, ...(command ? { healthcheck: command } : {}) };
  });
  return { services, skipped };
}

type Health = { command: string[] } | { skipped: string } | { none: true };

function healthcheckOf(healthcheck: unknown): Health {
  if (!isRecord(healthcheck) || healthcheck.disable === true) return { none: true };
  const test = healthcheck.test;
  let argv: unknown[];
  if (typeof test === 'string') argv = ['sh', '-c', test];
  else if (Array.isArray(test) && test[0] === 'CMD') argv = test.slice(1);
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') argv = ['sh', '-c', test.slice(1).join(' ')];
  else if (Array.isArray(test) && test[0] === 'NONE') return { none: true };
  else return test === undefined ? { none: true } : { skipped: 'is not a CMD, CMD-SHELL or string test' };
  if (argv.length === 0 || !argv.every((arg) => typeof arg === 'string' && arg !== '')) {
    return { skipped: 'has an empty or non-text argument' };
  }
  const command: string[] = [];
  for (const arg of argv as string[]) {
    const translated = translateComposeValue(arg);
    if ('unresolved' in translated) return { skipped: `uses ${translated.unresolved}, with no default` };
    command.push(translated.text);
  }
  return { command };
}

const HEALTH_URL = /\b(?:curl|wget)\b.*?http:\/\/[^\s/:'"]+(?::(\d+))?(\/[^\s'"$]*)?/;

/**
 * Whether a container port speaks HTTP: the healthcheck fetches a URL on it with curl or wget (then
 * its path is used), or it is a port that usually does (HTTP_PORTS).
 */
function httpOf(containerPort: number, healthcheck: unknown): { http?: { path: string; why: string } } {
  const test = isRecord(healthcheck) ? healthcheck.test : undefined;
  const text = Array.isArray(test) ? test.join(' ') : typeof test === 'string' ? test : '';
  const url = HEALTH_URL.exec(text);
  if (url && Number(url[1] ?? 80) === containerPort) {
    return { http: { path: url[2] ?? '/', why: 'its healthcheck fetches this URL' } };
  }
  if (HTTP_PORTS.includes(containerPort)) {
    return { http: { path: '/', why: `container port ${containerPort} usually serves HTTP` } };
  }
  return {};
}
