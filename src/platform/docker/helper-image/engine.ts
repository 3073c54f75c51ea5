import { DockerApiError, type DockerClient } from '../../../docker/client.js';
import { createDockerClient } from '../../../docker/dockerode-client.js';
import { EnvironmentError, errorMessage, FaultlineError } from '../../../errors.js';

/** The helper image cannot be built here (not Linux, no ldd or tar, a library missing, import failed). */
export class HelperImageBuildError extends EnvironmentError {}

/** The part of the Docker client the helper image uses. */
export type HelperImageDocker = Pick<
  DockerClient,
  'enginePlatform' | 'inspectImage' | 'removeImage' | 'pullImage' | 'buildImage' | 'importImage'
>;

/** The Engine client to use when the caller gives none: the Engine the environment names. */
export function defaultDocker(docker?: HelperImageDocker): HelperImageDocker {
  return docker ?? createDockerClient();
}

/**
 * An Engine error as the helper image reports it: faultline's own (the Engine unreachable, TLS) as they
 * are, an error the Engine answered with as a HelperImageBuildError carrying the Engine's message.
 */
export function dockerError(error: unknown): Error {
  if (error instanceof FaultlineError) return error;
  const raw = engineError(error);
  const json = (raw as { json?: { message?: string } } | undefined)?.json;
  return new HelperImageBuildError('HELPER_IMAGE_DOCKER_ERROR', json?.message ?? errorMessage(raw), {
    cause: raw,
  });
}

/** The error as the Engine's HTTP client gave it (status code, JSON body, message). */
export function engineError(error: unknown): unknown {
  return error instanceof DockerApiError && error.cause !== undefined ? error.cause : error;
}

export async function dockerCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw dockerError(error);
  }
}

/** One message of the Engine's JSON progress stream (import, pull, build). */
export interface ProgressMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads an Engine progress stream to its end, handing each message to `onMessage`; returns the first
 * error the stream reports (the HTTP status is 200 even when a pull or a build fails).
 */
export async function readProgress(
  stream: AsyncIterable<unknown>,
  onMessage: (message: ProgressMessage) => void = () => undefined,
): Promise<string | undefined> {
  let pending = '';
  let problem: string | undefined;
  const take = (line: string) => {
    if (!line.trim()) return;
    let message: ProgressMessage;
    try {
      message = JSON.parse(line) as ProgressMessage;
    } catch {
      return;
    }
    problem ??= message.errorDetail?.message ?? message.error;
    onMessage(message);
  };
  for await (const chunk of stream) {
    pending += Buffer.from(chunk as Buffer).toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) take(line);
  }
  take(pending);
  return problem;
}
