import { readFileSync } from 'node:fs';
import https from 'node:https';
import Docker from 'dockerode';
import { type DockerEndpoint, describeEndpoint, EndpointError } from './endpoint.js';
import { dockerodeOverSsh } from './ssh-agent.js';

/**
 * dockerode for the Engine at `endpoint`: a unix socket or named pipe, tcp (plain or TLS through an
 * https agent), or ssh. Every option is given explicitly: docker-modem would otherwise fill gaps from
 * DOCKER_HOST and DOCKER_CERT_PATH, and reach a different Engine than the one the user chose.
 */
export function dockerodeFor(endpoint: DockerEndpoint): Docker {
  const none = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  const url = endpoint.host;
  try {
    if (url.startsWith('unix://')) return new Docker({ ...none, socketPath: url.slice('unix://'.length) });
    if (url.startsWith('npipe://')) return new Docker({ ...none, socketPath: url.slice('npipe://'.length) });
    const parsed = new URL(url);
    if (parsed.protocol === 'ssh:') return dockerodeOverSsh(parsed);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const port = Number(parsed.port || 2375);
    if (!endpoint.tls) return new Docker({ ...none, protocol: 'http', host, port });
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
    const agent = new https.Agent({
      keepAlive: true,
      ca: read(endpoint.tls.ca),
      cert: read(endpoint.tls.cert),
      key: read(endpoint.tls.key),
      rejectUnauthorized: endpoint.tls.verify,
    });
    return new Docker({ ...none, protocol: 'https', host, port, agent } as Docker.DockerOptions);
  } catch (error) {
    throw new EndpointError(
      `cannot use the Docker endpoint ${describeEndpoint(endpoint)}: ${error instanceof Error ? error.message : String(error)}`,
      endpoint.tls
        ? 'Check that the TLS files (ca.pem, cert.pem, key.pem) exist and are readable.'
        : 'Check the endpoint (--host, --context, DOCKER_HOST, DOCKER_CONTEXT).',
    );
  }
}
