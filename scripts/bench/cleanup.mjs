// The bench's clean-up: everything it created (containers, networks, helpers of engine runs, its temporary
// folder) is removed at the end, on error and on Ctrl-C, and checked to be gone.

import { rm } from 'node:fs/promises';
import {
  benchContainerIds,
  benchHelperIds,
  benchNetworkIds,
  children,
  isInterrupted,
  LABEL,
  markInterrupted,
  removeBenchContainers,
  removeBenchNetworks,
  sleep,
  stuckNetworkText,
  waitForChildren,
} from './common.mjs';

/** Engine contexts whose runner may hold helper containers, so that an interrupt can dispose of them. */
export const liveContexts = new Set();

/**
 * Temporary folders and servers to remove and close at the end; networks the Engine would not remove
 * before the bench started (told about then, not counted as this run's leftovers).
 */
export const scratch = { dirs: new Set(), servers: new Set(), stuckBefore: [] };

/**
 * Removes the bench's helpers, containers and networks. Resolves with what it removed, as text, and the
 * networks the Engine would not remove (see removeBenchNetworks).
 */
export async function removeEverything(networkWaitMs) {
  // Helpers of a partition in flight: their runner knows them; a timeout keeps Ctrl-C prompt.
  await Promise.race([
    Promise.allSettled([...liveContexts].map((context) => context.dispose())),
    sleep(15_000),
  ]);
  const containers = await removeBenchContainers();
  const networks = await removeBenchNetworks({ waitMs: networkWaitMs });
  const removed = [
    containers > 0 ? `${containers} container(s)` : undefined,
    networks.removed > 0 ? `${networks.removed} network(s)` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  return { removed, stuck: networks.stuck };
}

/** Runs fn, retrying for up to 30s while the Docker daemon cannot be reached (it may be restarting). */
async function withDaemon(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (
        attempt >= 7 ||
        !/Cannot connect to the Docker daemon|Is the docker daemon running/.test(error.message)
      )
        throw error;
      console.error(`bench: the Docker daemon is not answering; clean-up retries in 5s (${attempt}/6)`);
      await sleep(5000);
    }
  }
}

/** Asks `faultline run` children (own process groups) to revert and stop, then waits for every child. */
async function stopChildren() {
  for (const { child, interruptible } of children) {
    if (interruptible && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  }
  await waitForChildren(20_000);
}

let cleanupPromise;

/** Idempotent: the finally block and the signal handlers share one clean-up. Resolves true when all is gone. */
export function cleanup() {
  cleanupPromise ??= (async () => {
    await stopChildren();
    for (const server of scratch.servers) server.close();
    let problem;
    try {
      const { removed, stuck } = await withDaemon(() => removeEverything());
      const left = [
        ...(await benchContainerIds()).map((id) => `container ${id}`),
        ...(await benchHelperIds()).map((id) => `helper ${id}`),
        ...(await benchNetworkIds()).filter((id) => !stuck.includes(id)).map((id) => `network ${id}`),
      ];
      if (removed) console.log(`\ncleaned up: removed ${removed} of the bench`);
      if (left.length > 0) problem = `bench objects still present after clean-up: ${left.join(', ')}`;
      const ours = stuck.filter((id) => !scratch.stuckBefore.includes(id));
      if (left.length === 0 && ours.length > 0) problem = stuckNetworkText(ours);
    } catch (error) {
      problem = `clean-up failed: ${error.message}`;
    }
    for (const dir of scratch.dirs) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    if (problem) {
      console.error(
        `bench: ${problem}\n  remove them by hand: docker rm -f $(docker ps -aq --filter label=${LABEL}); docker network rm $(docker network ls -q --filter label=${LABEL})`,
      );
      return false;
    }
    return true;
  })();
  return cleanupPromise;
}

const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** The first signal cleans up, lets `onSignal` save what was measured, and exits; a second exits at once. */
export function onSignals(onSignal) {
  for (const name of Object.keys(SIGNAL_CODES)) {
    process.on(name, () => {
      if (isInterrupted()) {
        console.error(`\n${name} again: exiting now; check \`docker ps -a --filter label=${LABEL}\``);
        process.exit(SIGNAL_CODES[name]);
      }
      markInterrupted();
      console.error(`\n${name}: stopping and removing the bench containers (again to exit at once)`);
      cleanup()
        .then(() => onSignal(`interrupted by ${name}`))
        .finally(() => process.exit(SIGNAL_CODES[name]));
    });
  }
}
