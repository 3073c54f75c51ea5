import { constants } from 'node:fs';
import { access, lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type LocatedTool,
  normalizeEntries,
  type Placement,
  type RootfsEntry,
  STANDARD_DIRS,
} from './rootfs.js';

/** Looking at this host's files: where the tools are, what a directory holds, each file's size and mode. */

/** Searches PATH, then the standard system directories (non-root users often lack /usr/sbin on PATH). */
export function searchDirs(env: NodeJS.ProcessEnv): string[] {
  const fromPath = (env.PATH ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  return unique([...fromPath, ...STANDARD_DIRS]);
}

export async function locate(name: string, dirs: readonly string[]): Promise<LocatedTool | undefined> {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if (!(await stat(candidate)).isFile()) continue;
      return { name, path: candidate, real: await realpath(candidate) };
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function statOrUndefined(file: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  return stat(file).catch(() => undefined);
}

export async function firstExistingDir(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    if ((await statOrUndefined(candidate))?.isDirectory()) return candidate;
  }
  return undefined;
}

/** Every file and symlink under a host directory, placed at the same path. */
export async function walkDir(dir: string): Promise<Placement[]> {
  const placements: Placement[] = [];
  const visit = async (current: string): Promise<void> => {
    for (const name of (await readdir(current)).sort()) {
      const full = path.join(current, name);
      const info = await lstat(full);
      if (info.isDirectory()) await visit(full);
      else if (info.isFile()) placements.push({ kind: 'copy', path: full, source: full });
      else if (info.isSymbolicLink()) {
        const target = await readlink(full);
        const resolved = path.resolve(path.dirname(full), target);
        if (!path.isAbsolute(target) && resolved.startsWith(`${dir}/`)) {
          placements.push({ kind: 'symlink', path: full, target });
        } else if ((await statOrUndefined(full))?.isFile()) {
          placements.push({ kind: 'copy', path: full, source: await realpath(full) });
        }
      }
    }
  };
  await visit(dir);
  return placements;
}

/** Looks up the host files for each placement: size, mtime and mode go into the hash. */
export async function statPlacements(placements: readonly Placement[]): Promise<RootfsEntry[]> {
  return Promise.all(
    normalizeEntries(placements).map(async (placement): Promise<RootfsEntry> => {
      if (placement.kind !== 'copy') return placement;
      const info = await stat(placement.source);
      return {
        kind: 'file',
        path: placement.path,
        source: placement.source,
        mode: info.mode & 0o777,
        size: info.size,
        mtimeMs: info.mtimeMs,
      };
    }),
  );
}

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
