import path from 'node:path';
import { removeFill } from './fill.js';
import { hostPath, resolveInRoot } from './locate.js';

export type Removal = 'removed' | 'absent' | 'moved';

/**
 * Removes a fill file seen from the process with this pid (the Docker host's view through
 * /proc/<pid>/root, or a helper's /proc/1/root). The directory is looked up again inside the target
 * first: a link put in its place is not followed out (`moved`). Throws file-system errors as they are.
 */
export async function removeFillIn(pid: number, file: string): Promise<Removal> {
  const dir = path.posix.dirname(file);
  if ((await resolveInRoot(hostPath(pid, '/'), dir)) !== dir) return 'moved';
  return removeFill(hostPath(pid, file));
}
