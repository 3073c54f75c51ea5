import path from 'node:path';
import type { DockerClient } from '../../docker/client.js';
import { verifiedPid } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import { type Filled, writeFill } from './fill.js';
import { type DiskHelper, fillHelperName, runAgent } from './helper.js';
import { hostPath, type Location, locate, usedShare } from './locate.js';

/**
 * The two ways a fill is made, behind one shape: from the Docker host through /proc/<pid>/root
 * (nsenter: root on the Docker host), or from helper containers sharing the target's process
 * namespace (helper: any Engine). Both run the same locate and fill code on the same view of the
 * target, so the file, its size and the errors are the same.
 */

/** What a helper-way recipe records: enough to stop a fill still being written and to remove it. */
export interface HelperRecord {
  image: string;
  /** The fill helper's container name. */
  name: string;
  runId: string;
  faultId: string;
}

export interface FillWay {
  /** The helper of the helper way, for the recipe; undefined for the nsenter way. */
  helper: HelperRecord | undefined;
  locate(wanted: string): Promise<Location>;
  fill(file: string, bytes: number): Promise<Filled & { used: number | undefined }>;
}

export async function hostWay(docker: DockerClient, target: Target): Promise<FillWay> {
  const pid = await verifiedPid(docker, target);
  return {
    helper: undefined,
    locate: (wanted) => locate(pid, target, wanted),
    fill: async (file, bytes) => {
      const filled = await writeFill(hostPath(pid, file), bytes);
      return { ...filled, used: await usedShare(hostPath(pid, path.posix.dirname(file))) };
    },
  };
}

export function helperWay(helper: DiskHelper): FillWay {
  return {
    helper: {
      image: helper.image,
      name: fillHelperName(helper.runId, helper.faultId),
      runId: helper.runId,
      faultId: helper.faultId,
    },
    locate: async (wanted) =>
      (await runAgent(helper, { op: 'locate', path: wanted, target: helper.target.name })) as Location,
    fill: async (file, bytes) =>
      (await runAgent(helper, { op: 'fill', file, bytes })) as Filled & { used: number | undefined },
  };
}
