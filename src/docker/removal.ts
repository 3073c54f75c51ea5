import { DockerApiError } from './client.js';

/** How long a removal someone else started may take before it counts as failed. */
const REMOVAL_WAIT_MS = 30_000;
const POLL_MS = 200;

/** The Engine refused a removal because another caller (the watchdog, a racing revert) is doing it. */
export function removalInProgress(error: unknown): boolean {
  return (
    error instanceof DockerApiError && /removal of container .* is already in progress/i.test(error.message)
  );
}

/**
 * The Engine refused a forced removal because the container is between running and exited: Podman,
 * while it cleans up a container whose process just ended, cannot stop it (`container state
 * improper`). A moment later the removal goes through.
 */
export function exitInProgress(error: unknown): boolean {
  return error instanceof DockerApiError && /container state improper/i.test(error.message);
}

/** Retries a removal the Engine refused while the container was exiting, until it is done or a while has passed. */
export async function removeOnceExited(remove: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + REMOVAL_WAIT_MS;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS / 4));
    try {
      return await remove();
    } catch (error) {
      if (!exitInProgress(error) || Date.now() > deadline) throw error;
    }
  }
}

/** Waits until the container is gone (inspect says not found); throws when it is still there after a while. */
export async function untilGone(id: string, inspect: (id: string) => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + REMOVAL_WAIT_MS;
  for (;;) {
    const present = await inspect(id).then(
      () => true,
      (error: unknown) => !(error instanceof DockerApiError && error.notFound),
    );
    if (!present) return;
    if (Date.now() > deadline) {
      throw new DockerApiError(
        `container ${id} is still being removed after ${REMOVAL_WAIT_MS / 1000} s`,
        409,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
