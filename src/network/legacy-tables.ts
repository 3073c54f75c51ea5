import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DockerClient } from '../docker/client.js';
import type { Target } from '../targets/target.js';
import { verifiedPid } from './netns-runner.js';
import { PROC_ROOT } from './target-pid.js';

/**
 * Whether a target's network namespace has any iptables-legacy table, read from the host: the kernel
 * lists them in /proc/<pid>/net/ip_tables_names (the file is absent while the ip_tables module is not
 * loaded, and then there is none). Only for the nsenter way, where this process sees the target's pid.
 * undefined when it cannot be told: the caller then asks iptables-legacy-save, as it would anyway.
 */
export async function legacyTablesListed(
  docker: DockerClient,
  target: Target,
  procRoot = PROC_ROOT,
): Promise<boolean | undefined> {
  try {
    const pid = await verifiedPid(docker, target, procRoot);
    const net = path.join(procRoot, String(pid), 'net');
    const names = await readFile(path.join(net, 'ip_tables_names'), 'utf8').catch(async (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // No such file: the module is not loaded, if the namespace itself is still there to look at.
      await stat(path.join(net, 'dev'));
      return '';
    });
    return names.trim().length > 0;
  } catch {
    return undefined;
  }
}
