import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where faultline keeps its ledgers and locks: FAULTLINE_STATE_DIR, else /var/lib/faultline for
 * root, else $XDG_STATE_HOME/faultline (~/.local/state/faultline).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAULTLINE_STATE_DIR) return path.resolve(env.FAULTLINE_STATE_DIR);
  if (process.getuid?.() === 0) return '/var/lib/faultline';
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local/state'), 'faultline');
}
