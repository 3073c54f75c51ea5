import { createHash } from 'node:crypto';
import { DEFAULT_DOCKER_HOST } from '../docker/endpoint.js';

/**
 * Which Docker Engine a container lock belongs to. A container id is only unique within one Engine,
 * so a lock is keyed by the Engine's identity (docker/endpoint-identity.ts) as well:
 * `<container id>.lock` for the default local socket (the name locks had before they named an Engine,
 * so those are still read as the default one) and `<container id>@<16 hex digits of sha256(engine)>.lock`
 * for any other Engine.
 */
export { engineIdentity } from '../docker/endpoint-identity.js';

export function isDefaultEngine(identity: string): boolean {
  return identity === DEFAULT_DOCKER_HOST;
}

export const LOCK_SUFFIX = '.lock';

/** The lock file name of a container on an Engine. */
export function lockFileName(containerId: string, engine: string): string {
  if (isDefaultEngine(engine)) return `${containerId}${LOCK_SUFFIX}`;
  return `${containerId}@${createHash('sha256').update(engine).digest('hex').slice(0, 16)}${LOCK_SUFFIX}`;
}

/** The container id a lock file name is for. */
export function containerOfLockName(name: string): string {
  return name.slice(0, -LOCK_SUFFIX.length).split('@')[0] ?? '';
}
