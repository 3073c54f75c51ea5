import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../../../errors.js';
import { locate, searchDirs, statPlacements, unique } from '../helper-image/host-files.js';
import { ldd } from '../helper-image/ldd.js';
import {
  basePlacements,
  type HelperRootfs,
  hashRootfs,
  IMAGE_PATH,
  libraryPlacements,
  toolPlacements,
} from '../helper-image/rootfs.js';

/**
 * The stress image's root filesystem: this host's stress-ng and its POSIX shell (/bin/sh, which joins
 * the target's cgroup before stress-ng starts) with the shared libraries ldd lists, laid out as the
 * network helper image is (helper-image/rootfs.ts), so it is built offline from the host.
 */

export const STRESS_TOOLS = ['stress-ng'] as const;

/** stress-ng is not installed on this host. */
export class StressToolMissingError extends EnvironmentError {
  constructor(searched: readonly string[], tool = 'stress-ng') {
    super(
      'STRESS_NG_MISSING',
      `cannot build the stress image: ${tool} not found on this host (searched ${searched.join(', ')})`,
      {
        hint: 'Install it (Debian/Ubuntu: `apt-get install stress-ng`; Fedora: `dnf install stress-ng`; Alpine: `apk add stress-ng`) and run again.',
      },
    );
  }
}

/** Finds stress-ng and its libraries on this host; writes nothing. */
export async function collectStressRootfs(env: NodeJS.ProcessEnv = process.env): Promise<HelperRootfs> {
  const dirs = searchDirs(env);
  const tool = await locate('stress-ng', dirs);
  if (!tool) throw new StressToolMissingError(dirs);
  const shell = await locate('sh', dirs);
  if (!shell) throw new StressToolMissingError(dirs, 'sh');
  const linked = await ldd([tool.real, shell.real]);
  if (linked.missing.length > 0) {
    throw new EnvironmentError(
      'STRESS_IMAGE_LIBRARY_MISSING',
      `cannot build the stress image: shared libraries of stress-ng not found: ${linked.missing.join(', ')}`,
      { hint: 'Reinstall stress-ng so that `ldd $(command -v stress-ng)` finds every library.' },
    );
  }
  const libraries = await Promise.all(
    linked.libraries.map(async (library) => ({ path: library, real: await realpath(library) })),
  );
  const entries = await statPlacements([
    ...basePlacements(),
    ...toolPlacements([tool]),
    { kind: 'copy', path: shell.real, source: shell.real },
    ...(shell.real === '/bin/sh' ? [] : [{ kind: 'symlink' as const, path: '/bin/sh', target: shell.real }]),
    ...libraryPlacements(libraries),
  ]);
  const imageEnv = {
    PATH: IMAGE_PATH,
    LD_LIBRARY_PATH: unique(libraries.map((library) => path.posix.dirname(library.path))).join(':'),
  };
  return {
    entries,
    env: imageEnv,
    tools: [...STRESS_TOOLS, 'sh'],
    hash: hashRootfs(entries, imageEnv),
    warnings: [],
  };
}
