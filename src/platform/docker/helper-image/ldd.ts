import { availableParallelism } from 'node:os';
import path from 'node:path';
import { execa } from '../../../util/lazy-execa.js';
import { HelperImageBuildError } from './engine.js';
import { unique } from './host-files.js';

/** Which shared libraries the tools need (ldd), and where their modules live. */

export interface LddResult {
  /** Absolute paths as ldd reports them (the dynamic loader included), in order, without repeats. */
  libraries: string[];
  /** Sonames ldd could not find. */
  missing: string[];
}

/**
 * Parses the output of `ldd FILE...` (glibc or musl): `name => /path (0x..)`, `/lib64/ld-linux...
 * (0x..)`, `name => not found`; skips the vDSO, per-file headers and "statically linked".
 */
export function parseLddOutput(text: string): LddResult {
  const libraries = new Set<string>();
  const missing = new Set<string>();
  for (const raw of text.split('\n')) {
    if (!/^\s/.test(raw)) continue; // headers ("/usr/sbin/tc:") and blank lines
    const line = raw.trim();
    const arrow = /^(\S+)\s+=>\s*(.*)$/.exec(line);
    if (arrow) {
      const target = arrow[2]!.trim();
      if (/^not found/.test(target)) missing.add(arrow[1]!);
      else {
        const resolved = /^(\/\S+)/.exec(target);
        if (resolved) libraries.add(resolved[1]!);
      }
      continue;
    }
    const bare = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/i.exec(line);
    if (bare) libraries.add(bare[1]!);
  }
  return { libraries: [...libraries], missing: [...missing] };
}

const TRIPLET_BY_ARCH: Record<string, string> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  ia32: 'i386-linux-gnu',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
  loong64: 'loongarch64-linux-gnu',
};

/** Multiarch directory names (x86_64-linux-gnu, ...): from where the libraries are, then from the CPU. */
export function multiarchTriplets(libraries: readonly string[], arch: string): string[] {
  const triplets = new Set<string>();
  for (const library of libraries) {
    const dir = path.posix.basename(path.posix.dirname(library));
    if (/^[a-z0-9_]+-linux-[a-z0-9_]+$/.test(dir)) triplets.add(dir);
  }
  const fromArch = TRIPLET_BY_ARCH[arch];
  if (fromArch) triplets.add(fromArch);
  return [...triplets];
}

/** Where iptables keeps its extension modules (libxt_*.so), most likely first. */
export function xtablesDirCandidates(triplets: readonly string[], env: NodeJS.ProcessEnv = {}): string[] {
  return unique([
    ...(env.XTABLES_LIBDIR ? env.XTABLES_LIBDIR.split(':') : []),
    ...triplets.flatMap((triplet) => [`/usr/lib/${triplet}/xtables`, `/lib/${triplet}/xtables`]),
    '/usr/lib64/xtables',
    '/usr/lib/xtables',
    '/lib64/xtables',
    '/lib/xtables',
    '/usr/libexec/xtables',
  ]);
}

/** Where tc keeps its distribution tables (normal.dist, pareto.dist, ...) and modules. */
export function tcLibDirCandidates(triplets: readonly string[], env: NodeJS.ProcessEnv = {}): string[] {
  return unique([
    ...(env.TC_LIB_DIR ? [env.TC_LIB_DIR] : []),
    ...triplets.map((triplet) => `/usr/lib/${triplet}/tc`),
    '/usr/lib64/tc',
    '/usr/lib/tc',
    '/lib/tc',
  ]);
}

/** Runs ldd over the files in a few parallel batches and merges the results. */
export async function ldd(files: readonly string[]): Promise<LddResult> {
  const batches = Math.max(1, Math.min(availableParallelism(), Math.ceil(files.length / 16)));
  const size = Math.ceil(files.length / batches);
  const chunks: string[][] = [];
  for (let start = 0; start < files.length; start += size) chunks.push(files.slice(start, start + size));
  const results = await Promise.all(
    chunks.map(async (chunk) => {
      const result = await execa('ldd', chunk, { reject: false, env: { LC_ALL: 'C' } });
      if (result.failed && result.exitCode === undefined) {
        throw new HelperImageBuildError('HELPER_IMAGE_NO_LDD', `cannot run ldd: ${result.shortMessage}`, {
          hint: 'The helper image is assembled from host binaries and the libraries ldd lists: install ldd (glibc: libc-bin; Alpine: musl-utils).',
          cause: result.cause,
        });
      }
      // With one file ldd prints no header; give it one so the parse is the same.
      return parseLddOutput(chunk.length === 1 ? `${chunk[0]}:\n${result.stdout}` : result.stdout);
    }),
  );
  return {
    libraries: unique(results.flatMap((result) => result.libraries)),
    missing: unique(results.flatMap((result) => result.missing)),
  };
}
