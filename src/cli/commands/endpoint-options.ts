import type { DockerClient } from '../../docker/client.js';
import { createDockerClient } from '../../docker/dockerode-client.js';
import { type DockerEndpoint, resolveEndpoint } from '../../docker/endpoint.js';

/** The Engine the command's --host/--context and the environment name, and a client for it. */
export function connectDocker(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { docker: DockerClient; endpoint: DockerEndpoint } {
  const endpoint = resolveEndpoint(
    {
      host: typeof options.host === 'string' ? options.host : undefined,
      context: typeof options.context === 'string' ? options.context : undefined,
    },
    env,
  );
  return { docker: createDockerClient(endpoint), endpoint };
}
