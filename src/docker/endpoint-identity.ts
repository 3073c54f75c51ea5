import { DEFAULT_DOCKER_HOST, type DockerEndpoint } from './endpoint.js';

/**
 * Which Docker Engine an endpoint reaches, as one string: ledgers and locks name it. The Engine is
 * named by its address, not by how it was chosen: `--host unix:///var/run/docker.sock`, the
 * `default` context and no option at all are one Engine. An ssh address drops its user (every
 * user reaches the same daemon) and gets port 22 when it has none. TLS files are left out: they
 * change how the Engine is reached, not which Engine it is.
 */
export function engineIdentity(endpoint: DockerEndpoint | string | undefined): string {
  const host = typeof endpoint === 'string' ? endpoint : (endpoint?.host ?? DEFAULT_DOCKER_HOST);
  if (!host.startsWith('ssh://')) return host.startsWith('tcp://') ? host.toLowerCase() : host;
  try {
    const url = new URL(host);
    return `ssh://${url.hostname.toLowerCase()}:${url.port || '22'}`;
  } catch {
    return host;
  }
}
