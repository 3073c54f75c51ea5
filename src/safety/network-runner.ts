import type { DockerClient } from '../docker/client.js';
import { ExecRunner, HelperRunner, type NetnsRunner, NsenterRunner } from '../network/netns-runner.js';
import { DEFAULT_NETWORK_SETUP } from '../network/setup.js';
import type { RunRecord } from './ledger.js';

/** The way into namespaces that the run used, rebuilt from its ledger (created on first use). */
export function runnerFromLedger(
  docker: DockerClient,
  run: RunRecord,
  owner: string,
): (() => Promise<NetnsRunner>) & { dispose(): Promise<void> } {
  let runner: NetnsRunner | undefined;
  const make = async (): Promise<NetnsRunner> => {
    if (run.via === 'helper')
      return new HelperRunner(docker, run.helperImage ?? DEFAULT_NETWORK_SETUP.helperImage, owner);
    if (run.via === 'exec') return new ExecRunner(docker);
    return new NsenterRunner(docker);
  };
  const get = async () => {
    runner ??= await make();
    return runner;
  };
  return Object.assign(get, { dispose: async () => runner?.dispose() });
}
