import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { type DockerEndpoint, describeEndpoint, EndpointError } from './endpoint.js';

/** How dockerode reaches an Engine: docker-modem's options, or an ssh URL (see ssh-agent.ts). */
export type Connection = { kind: 'modem'; options: Docker.DockerOptions } | { kind: 'ssh'; url: URL };

/** Every connection option docker-modem would otherwise take from the environment. */
const NONE = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
};

/**
 * The connection to the Engine at `endpoint`: a unix socket or named pipe, tcp (plain or TLS through an
 * https agent), or ssh. Every option is given explicitly: docker-modem would otherwise fill gaps from
 * DOCKER_HOST and DOCKER_CERT_PATH, and reach a different Engine than the one the user chose. Loads no
 * part of dockerode; a malformed URL or an unreadable TLS file throws here.
 */
export function connectionFor(endpoint: DockerEndpoint): Connection {
  const url = endpoint.host;
  try {
    if (url.startsWith('unix://')) return { kind: 'modem', options: overSocket(url.slice('unix://'.length)) };
    if (url.startsWith('npipe://'))
      return { kind: 'modem', options: overSocket(url.slice('npipe://'.length)) };
    const parsed = new URL(url);
    if (parsed.protocol === 'ssh:') return { kind: 'ssh', url: parsed };
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const port = Number(parsed.port || 2375);
    if (!endpoint.tls) return { kind: 'modem', options: { ...NONE, protocol: 'http', host, port } };
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
    // node:https (and tls, crypto) only for an Engine reached over TLS.
    const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');
    const agent = new https.Agent({
      keepAlive: true,
      ca: read(endpoint.tls.ca),
      cert: read(endpoint.tls.cert),
      key: read(endpoint.tls.key),
      rejectUnauthorized: endpoint.tls.verify,
    });
    const options = { ...NONE, protocol: 'https', host, port, agent } as Docker.DockerOptions;
    return { kind: 'modem', options };
  } catch (error) {
    throw endpointFailure(endpoint, error);
  }
}

/**
 * docker-modem's options for an Engine on a unix socket or named pipe. The requests name the host
 * 127.0.0.1 (the Engine does not read it): for each request Node works out a TLS server name from the
 * Host header and tests it with net.isIP, and `localhost`, its default, fails the IPv4 test and compiles
 * the IPv6 expression on the first call, 5-8 ms of the first Engine call of every process.
 */
function overSocket(socketPath: string): Docker.DockerOptions {
  return { ...NONE, socketPath, headers: { host: '127.0.0.1' } };
}

/** The error of an endpoint that cannot be used. */
export function endpointFailure(endpoint: DockerEndpoint, error: unknown): EndpointError {
  return new EndpointError(
    `cannot use the Docker endpoint ${describeEndpoint(endpoint)}: ${error instanceof Error ? error.message : String(error)}`,
    endpoint.tls
      ? 'Check that the TLS files (ca.pem, cert.pem, key.pem) exist and are readable.'
      : 'Check the endpoint (--host, --context, DOCKER_HOST, DOCKER_CONTEXT).',
  );
}
