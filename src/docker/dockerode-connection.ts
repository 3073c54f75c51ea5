import Docker from 'dockerode';
import { type Connection, connectionFor, endpointFailure } from './dockerode-options.js';
import type { DockerEndpoint } from './endpoint.js';
import { dockerodeOverSsh } from './ssh-agent.js';

/** dockerode for the Engine at `endpoint`, through `connection` (see dockerode-options.ts). */
export function dockerodeFor(
  endpoint: DockerEndpoint,
  connection: Connection = connectionFor(endpoint),
): Docker {
  try {
    if (connection.kind === 'ssh') return dockerodeOverSsh(connection.url);
    return new Docker(connection.options);
  } catch (error) {
    throw endpointFailure(endpoint, error);
  }
}
