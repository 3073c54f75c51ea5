import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelperImageBuildError } from './engine.js';
import type { Placement } from './rootfs.js';

/**
 * The fault proxy inside the helper image: node and the proxy program (dist/proxy, node built-ins
 * only) at a fixed path, so a proxy fault can run in a helper container sharing the target's network
 * namespace. Both ways of building the image put it at the same place.
 */

export const IMAGE_PROXY_DIR = '/opt/faultline/proxy';
export const IMAGE_PROXY_MAIN = `${IMAGE_PROXY_DIR}/main.js`;
/** Listed among the image's tools when it carries node and the proxy. */
export const PROXY_TOOL = 'faultline-proxy';
/** dist/proxy is ES modules: without it node would read the copied files as CommonJS. */
export const PROXY_PACKAGE_JSON = '{ "type": "module" }\n';

/** The built proxy program: the same path whether this module runs from dist/ or from src/. */
export const PROXY_PROGRAM_DIR = fileURLToPath(new URL('../../../../dist/proxy/', import.meta.url));

export interface ProgramFile {
  /** Path under the program's folder, e.g. `http/session.js`. */
  relative: string;
  source: string;
}

/** Every .js file of the proxy program; throws when the program is not built. */
export async function proxyProgramFiles(dir: string = PROXY_PROGRAM_DIR): Promise<ProgramFile[]> {
  if (!(await stat(path.join(dir, 'main.js')).catch(() => undefined))?.isFile()) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_NO_PROXY',
      `cannot build the helper image: the fault proxy program is missing (no ${path.join(dir, 'main.js')})`,
      { hint: 'Reinstall faultline (the package ships dist/proxy), or run `npm run build` in a checkout.' },
    );
  }
  const files: ProgramFile[] = [];
  const visit = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) await visit(child);
      else if (entry.isFile() && entry.name.endsWith('.js'))
        files.push({ relative: child, source: path.join(dir, child) });
    }
  };
  await visit('');
  return files.sort((a, b) => (a.relative < b.relative ? -1 : 1));
}

/** The program under IMAGE_PROXY_DIR, with its package.json. */
export function proxyPlacements(files: readonly ProgramFile[]): Placement[] {
  return [
    { kind: 'dir', path: '/opt/faultline', mode: 0o755 },
    { kind: 'dir', path: IMAGE_PROXY_DIR, mode: 0o755 },
    { kind: 'text', path: `${IMAGE_PROXY_DIR}/package.json`, content: PROXY_PACKAGE_JSON, mode: 0o644 },
    ...files.map(
      (file): Placement => ({
        kind: 'copy',
        path: path.posix.join(IMAGE_PROXY_DIR, file.relative),
        source: file.source,
      }),
    ),
  ];
}

/** sha256 over the program's paths and contents (the Dockerfile way's fingerprint includes it). */
export async function proxyProgramHash(files: readonly ProgramFile[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file.relative}\n`);
    hash.update(await readFile(file.source));
    hash.update('\n');
  }
  return hash.digest('hex');
}
