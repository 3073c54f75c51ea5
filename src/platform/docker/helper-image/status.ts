import { type DockerClient, type ImageDetails, isNotFound } from '../../../docker/client.js';
import {
  DEFAULT_HELPER_IMAGE,
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
  HELPER_IMAGE_WAY_LABEL,
} from '../../../docker/labels.js';
import { errorMessage } from '../../../errors.js';
import { defaultDocker, dockerError, engineError } from './engine.js';

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
  docker?: Pick<DockerClient, 'inspectImage'>,
): Promise<HelperImageStatus> {
  let info: ImageDetails;
  try {
    info = await (docker ?? defaultDocker()).inspectImage(image);
  } catch (error) {
    if (isNotFound(error)) return { image, exists: false };
    throw dockerError(error);
  }
  const labels = info.labels;
  return {
    image,
    exists: true,
    id: info.id,
    helper: labels[HELPER_IMAGE_LABEL] === '1',
    hash: labels[HELPER_IMAGE_HASH_LABEL],
    way: labels[HELPER_IMAGE_WAY_LABEL],
    tools: (labels[HELPER_IMAGE_TOOLS_LABEL] ?? '').split(',').filter(Boolean),
    sizeBytes: info.sizeBytes,
    createdAt: info.createdAt,
  };
}

/** Removes the image a rebuild replaced, unless a container still uses it. */
export async function removeStaleImage(
  docker: Pick<DockerClient, 'removeImage'>,
  id: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    await docker.removeImage(id);
    log(`removed the previous image ${shortId(id)}`);
  } catch (error) {
    log(`kept the previous image ${shortId(id)}: ${errorMessage(engineError(error))}`);
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
