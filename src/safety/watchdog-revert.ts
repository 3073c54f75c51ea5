import type { DockerClient } from '../docker/client.js';
import { FAULTLINE_HELPER, FAULTLINE_RUN_ID } from '../docker/labels.js';
import type { RunRecord } from './ledger.js';
import { runnerFromLedger } from './network-runner.js';
import { faultUndoer, type UndoFault } from './watchdog-undo.js';

/**
 * What the watchdog reverts with: the fault families, the way into namespaces and the Docker client.
 * Loaded only once something has to be reverted, so that a watchdog is ready (and a run starts) without
 * paying for them.
 */
export interface Reverter {
  undo: UndoFault;
  /** Removes the helper containers of a run that died (the way into namespaces it left). */
  removeHelpers(): Promise<void>;
  dispose(): Promise<void>;
}

export function createReverter(
  docker: DockerClient,
  ledgerFile: string,
  run: RunRecord,
  log: (line: string) => void,
): Reverter {
  const runner = runnerFromLedger(docker, run, `watchdog-${run.runId}`);
  return {
    undo: faultUndoer({ ledgerFile, docker, runner, log }),
    removeHelpers: () => removeHelpersOf(docker, run.runId, log),
    dispose: async () => {
      await runner.dispose().catch(() => undefined);
    },
  };
}

async function removeHelpersOf(docker: DockerClient, runId: string, log: (line: string) => void) {
  const all = await docker.listContainers({ all: true }).catch(() => []);
  for (const helper of all) {
    if (helper.labels[FAULTLINE_HELPER] === undefined || helper.labels[FAULTLINE_RUN_ID] !== runId) continue;
    await docker.remove(helper.id).then(
      () => log(`removed helper container ${helper.name}`),
      (error: Error) => log(`could not remove helper container ${helper.name}: ${error.message}`),
    );
  }
}
