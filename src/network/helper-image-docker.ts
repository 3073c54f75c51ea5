import type Docker from 'dockerode';
import { DockerUnavailableError, dockerodeFor } from '../docker/dockerode-client.js';
import { resolveEndpoint } from '../docker/endpoint.js';
import { EnvironmentError, errorMessage } from '../errors.js';

/** The helper image's name unless --image or --helper-image names another. */
export const DEFAULT_HELPER_IMAGE = 'faultline/nettools:1';

/** Set on every helper image faultline builds; the hash label fingerprints the build inputs. */
export const HELPER_IMAGE_LABEL = 'org.faultline.helper-image';
export const HELPER_IMAGE_HASH_LABEL = 'org.faultline.helper-image.hash';
/** Comma-separated commands the image provides (e.g. whether `sleep` is there to hold a helper). */
export const HELPER_IMAGE_TOOLS_LABEL = 'org.faultline.helper-image.tools';
/** How the image was built: `host` (offline, from this host's binaries) or `dockerfile`. */
export const HELPER_IMAGE_WAY_LABEL = 'org.faultline.helper-image.way';

/** The helper image cannot be built here (not Linux, no ldd or tar, a library missing, import failed). */
export class HelperImageBuildError extends EnvironmentError {}

/** The part of dockerode the helper image uses. */
export type HelperImageDocker = Pick<Docker, 'getImage' | 'importImage' | 'version' | 'buildImage' | 'pull'>;

/** The Engine client to use when the caller gives none: the Engine the environment names. */
export function defaultDocker(docker?: HelperImageDocker): HelperImageDocker {
  return docker ?? dockerodeFor(resolveEndpoint({}));
}

export type HelperImageStatus =
  | { image: string; exists: false }
  | {
      image: string;
      exists: true;
      id: string;
      /** Built by faultline (carries the helper-image label). */
      helper: boolean;
      hash: string | undefined;
      /** `host` or `dockerfile`; undefined for images built before the label existed. */
      way: string | undefined;
      tools: string[];
      sizeBytes: number;
      createdAt: string;
    };

/** Whether the image exists, whether faultline built it, its input fingerprint and size. */
export async function helperImageStatus(
  image: string = DEFAULT_HELPER_IMAGE,
  docker?: Pick<Docker, 'getImage'>,
): Promise<HelperImageStatus> {
  let info: Docker.ImageInspectInfo;
  try {
    info = await (docker ?? defaultDocker()).getImage(image).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return { image, exists: false };
    throw dockerError(error);
  }
  const labels = info.Config?.Labels ?? {};
  return {
    image,
    exists: true,
    id: info.Id,
    helper: labels[HELPER_IMAGE_LABEL] === '1',
    hash: labels[HELPER_IMAGE_HASH_LABEL],
    way: labels[HELPER_IMAGE_WAY_LABEL],
    tools: (labels[HELPER_IMAGE_TOOLS_LABEL] ?? '').split(',').filter(Boolean),
    sizeBytes: info.Size,
    createdAt: info.Created,
  };
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

/** Removes the image a rebuild replaced, unless a container still uses it. */
export async function removeStaleImage(
  docker: Pick<Docker, 'getImage'>,
  id: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    await docker.getImage(id).remove();
    log(`removed the previous image ${shortId(id)}`);
  } catch (error) {
    log(`kept the previous image ${shortId(id)}: ${errorMessage(error)}`);
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function dockerError(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && CONNECTION_CODES.has(code)) return new DockerUnavailableError(error);
  const json = (error as { json?: { message?: string } }).json;
  return new HelperImageBuildError('HELPER_IMAGE_DOCKER_ERROR', json?.message ?? errorMessage(error), {
    cause: error,
  });
}

export async function dockerCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw dockerError(error);
  }
}
