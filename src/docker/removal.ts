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
