import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether a target's network namespace has any iptables-legacy table, read from the host: the kernel
 * lists them in /proc/<pid>/net/ip_tables_names (the file is absent while the ip_tables module is not
 * loaded, and then there is none). Only for the nsenter way, where this process sees the target's pid;
 * `procNet` gives /proc/<pid>/net from the runner's checked pid, so no Engine call is made here.
 * undefined when it cannot be told: the caller then asks iptables-legacy-save, as it would anyway.
 */
export async function legacyTablesListed(procNet: () => Promise<string>): Promise<boolean | undefined> {
  try {
    const net = await procNet();
    // Read at once, as the pid's cgroup is (target-pid.ts): /proc never waits on a disk.
    let names = '';
    try {
      names = readFileSync(path.join(net, 'ip_tables_names'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // No such file: the module is not loaded, if the namespace itself is still there to look at.
      statSync(path.join(net, 'dev'));
    }
    return names.trim().length > 0;
  } catch {
    return undefined;
  }
}
