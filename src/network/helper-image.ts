import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { availableParallelism, release, tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { EnvironmentError, InvalidInputError } from '../errors.js';
import {
  DEFAULT_HELPER_IMAGE,
  defaultDocker,
  dockerCall,
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
  HELPER_IMAGE_WAY_LABEL,
  HelperImageBuildError,
  type HelperImageDocker,
  type HelperImageStatus,
  helperImageStatus,
  readProgress,
  removeStaleImage,
} from './helper-image-docker.js';
import {
  BaseImageUnavailable,
  buildFromDockerfile,
  DEFAULT_BASE_IMAGE,
  dockerfileHash,
  ensureBaseImage,
  readHelperDockerfile,
} from './helper-image-dockerfile.js';
import {
  adviceFor,
  chooseHelperImageWay,
  type EngineFacts,
  type HelperImageFrom,
  type HelperImageWay,
  type HostFacts,
  noWayHint,
  type WayChoice,
} from './helper-image-way.js';

export {
  DEFAULT_HELPER_IMAGE,
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
  HELPER_IMAGE_WAY_LABEL,
  HelperImageBuildError,
  type HelperImageDocker,
  type HelperImageStatus,
  helperImageStatus,
} from './helper-image-docker.js';
export { DEFAULT_BASE_IMAGE, HELPER_DOCKERFILE } from './helper-image-dockerfile.js';
export {
  chooseHelperImageWay,
  describeWay,
  HELPER_IMAGE_FROM,
  type HelperImageFrom,
  type HelperImageWay,
  type HostFacts,
  type WayChoice,
} from './helper-image-way.js';

/**
 * The helper image: an image with `tc`, `ip` and `iptables` (both backends). A helper container from it
 * joins a target's network namespace (`NetworkMode: container:<id>`, `CapAdd: NET_ADMIN`). Built either
 * offline from this host's own binaries with their shared libraries (no registry), or from
 * images/helper/Dockerfile by the Docker Engine (see helper-image-way.ts for which).
 */

/** Bump when the image layout changes, so images built by an older faultline are rebuilt. */
const LAYOUT_VERSION = 1;

export const REQUIRED_TOOLS = [
  'tc',
  'ip',
  'iptables',
  'iptables-save',
  'iptables-restore',
  'ip6tables',
  'ip6tables-save',
  'ip6tables-restore',
] as const;

/** The explicit backends; some distributions ship only one of them. */
export const OPTIONAL_TOOLS: readonly string[] = [
  ...['iptables', 'ip6tables'].flatMap((family) =>
    ['legacy', 'nft'].flatMap((backend) =>
      ['', '-save', '-restore'].map((suffix) => `${family}-${backend}${suffix}`),
    ),
  ),
  // Lets a revert drop the nf_tables filter table that iptables-nft created (see network/nft-tables.ts).
  'nft',
];

/** busybox applets linked into /bin when a busybox is available: a shell and `sleep` to hold a helper. */
export const BUSYBOX_APPLETS = ['sh', 'sleep', 'cat', 'echo', 'ls', 'true'] as const;

const STANDARD_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const IMAGE_PATH = STANDARD_DIRS.join(':');
const INSTALL_HINT =
  'Install them (Debian/Ubuntu: `apt-get install iproute2 iptables`; Fedora: `dnf install iproute-tc iptables-nft`; ' +
  'Alpine: `apk add iproute2 iptables`) and run again, or configure any image that has tc, ip and iptables as the helper image instead.';

// ---------------------------------------------------------------------------------------------------
// Errors

/** A command the helper image needs is not installed on this host. */
export class HelperToolsMissingError extends EnvironmentError {
  readonly missing: readonly string[];
  constructor(missing: readonly string[], searched: readonly string[]) {
    super(
      'HELPER_TOOLS_MISSING',
      `cannot build the helper image: ${missing.join(', ')} not found on this host (searched ${searched.join(', ')})`,
      { hint: INSTALL_HINT },
    );
    this.missing = missing;
  }
}

// ---------------------------------------------------------------------------------------------------
// The root filesystem as data

/** One path of the image's root filesystem. */
export type RootfsEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; source: string; mode: number; size: number; mtimeMs: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'text'; path: string; content: string; mode: number };

/** Where an entry comes from, before the host file is looked at. */
export type Placement =
  | Exclude<RootfsEntry, { kind: 'file' }>
  | { kind: 'copy'; path: string; source: string };

export interface LocatedTool {
  name: string;
  /** Where it was found, e.g. /usr/sbin/iptables. */
  path: string;
  /** The real file after symlinks, e.g. /usr/sbin/xtables-nft-multi. */
  real: string;
}

export interface HelperRootfs {
  entries: RootfsEntry[];
  /** Environment of the image (PATH, LD_LIBRARY_PATH, XTABLES_LIBDIR, TC_LIB_DIR). */
  env: Record<string, string>;
  /** Commands the image provides, sorted. */
  tools: string[];
  /** Fingerprint of every input file (path, size, mtime, mode) and of the layout. */
  hash: string;
  warnings: string[];
}

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

/**
 * Places each tool: the real binary at its own path, and `/usr/sbin/<name>` as a symlink to it when the
 * names differ. Multi-call binaries (xtables-nft-multi) dispatch on argv[0], so the link names matter.
 */
export function toolPlacements(tools: readonly LocatedTool[]): Placement[] {
  const copies: Placement[] = [];
  const links: Placement[] = [];
  for (const tool of tools) {
    copies.push({ kind: 'copy', path: tool.real, source: tool.real });
    const link = `/usr/sbin/${tool.name}`;
    if (link === tool.real) continue;
    const target = path.posix.dirname(tool.real) === '/usr/sbin' ? path.posix.basename(tool.real) : tool.real;
    links.push({ kind: 'symlink', path: link, target });
  }
  return [...copies, ...links];
}

export function busyboxPlacements(busybox: string): Placement[] {
  return [
    { kind: 'copy', path: '/bin/busybox', source: busybox },
    ...BUSYBOX_APPLETS.map(
      (applet): Placement => ({ kind: 'symlink', path: `/bin/${applet}`, target: 'busybox' }),
    ),
  ];
}

/** Each library at the path ldd reports (so the loader at /lib64/... stays where binaries expect it). */
export function libraryPlacements(libraries: readonly { path: string; real: string }[]): Placement[] {
  return libraries.map((library) => ({ kind: 'copy', path: library.path, source: library.real }));
}

/** Directories and small files every image gets. */
export function basePlacements(): Placement[] {
  return [
    ...['/etc', '/run', '/proc', '/sys', '/dev', '/root'].map(
      (dir): Placement => ({ kind: 'dir', path: dir, mode: dir === '/root' ? 0o700 : 0o755 }),
    ),
    { kind: 'dir', path: '/tmp', mode: 0o1777 },
    { kind: 'text', path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n', mode: 0o644 },
    { kind: 'text', path: '/etc/group', content: 'root:x:0:\n', mode: 0o644 },
    {
      kind: 'text',
      path: '/etc/nsswitch.conf',
      content:
        'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\nethers: files\n',
      mode: 0o644,
    },
  ];
}

/** Keeps the first entry for each path, sorted by path (parents before children). */
export function normalizeEntries<T extends { path: string }>(entries: readonly T[]): T[] {
  const byPath = new Map<string, T>();
  for (const entry of entries) if (!byPath.has(entry.path)) byPath.set(entry.path, entry);
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** sha256 over every entry (path, source, size, mtime, mode, link target, text), the env and the layout. */
export function hashRootfs(entries: readonly RootfsEntry[], env: Record<string, string>): string {
  const hash = createHash('sha256');
  hash.update(`faultline helper image layout ${LAYOUT_VERSION}\n`);
  for (const entry of normalizeEntries(entries)) hash.update(`${describeEntry(entry)}\n`);
  for (const key of Object.keys(env).sort()) hash.update(`env ${key}=${env[key]}\n`);
  return hash.digest('hex');
}

function describeEntry(entry: RootfsEntry): string {
  switch (entry.kind) {
    case 'dir':
      return `dir ${entry.path} ${entry.mode.toString(8)}`;
    case 'file':
      return `file ${entry.path} < ${entry.source} ${entry.size} ${Math.trunc(entry.mtimeMs)} ${entry.mode.toString(8)}`;
    case 'symlink':
      return `symlink ${entry.path} -> ${entry.target}`;
    case 'text':
      return `text ${entry.path} ${createHash('sha256').update(entry.content).digest('hex')} ${entry.mode.toString(8)}`;
  }
}

/** Splits `repo[:tag]` (tag defaults to latest); rejects names Docker would refuse. */
export function parseImageReference(reference: string): { repo: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  const repo = colon > slash ? reference.slice(0, colon) : reference;
  const tag = colon > slash ? reference.slice(colon + 1) : 'latest';
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const repoPattern = new RegExp(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?${component}(?:/${component})*$`);
  if (!repoPattern.test(repo) || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    throw new InvalidInputError(
      'BAD_IMAGE_NAME',
      `helper image name "${reference}" is not valid: use lowercase letters, digits, '.', '_', '-' and '/', with an optional :tag`,
      { hint: `Example: ${DEFAULT_HELPER_IMAGE}` },
    );
  }
  return { repo, tag };
}

/** The Dockerfile-style instructions applied on import: labels and environment. */
export function importChanges(labels: Record<string, string>, env: Record<string, string>): string[] {
  const quote = (value: string) => JSON.stringify(value);
  return [
    `LABEL ${Object.entries(labels)
      .map(([key, value]) => `${quote(key)}=${quote(value)}`)
      .join(' ')}`,
    ...Object.entries(env).map(([key, value]) => `ENV ${key}=${value}`),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Reading the host

export interface CollectOptions {
  env?: NodeJS.ProcessEnv | undefined;
  arch?: string | undefined;
  /** Directories to search for the tools; default: PATH, then the standard system directories. */
  dirs?: readonly string[] | undefined;
  log?: ((line: string) => void) | undefined;
}

/** Searches PATH, then the standard system directories (non-root users often lack /usr/sbin on PATH). */
export function searchDirs(env: NodeJS.ProcessEnv): string[] {
  const fromPath = (env.PATH ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  return unique([...fromPath, ...STANDARD_DIRS]);
}

async function locate(name: string, dirs: readonly string[]): Promise<LocatedTool | undefined> {
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

async function statOrUndefined(file: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  return stat(file).catch(() => undefined);
}

async function firstExistingDir(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    if ((await statOrUndefined(candidate))?.isDirectory()) return candidate;
  }
  return undefined;
}

/** Runs ldd over the files in a few parallel batches and merges the results. */
async function ldd(files: readonly string[]): Promise<LddResult> {
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

/** Every file and symlink under a host directory, placed at the same path. */
async function walkDir(dir: string): Promise<Placement[]> {
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
async function statPlacements(placements: readonly Placement[]): Promise<RootfsEntry[]> {
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

/** Finds everything the image needs on this host and describes the root filesystem. Writes nothing. */
export async function collectHelperRootfs(options: CollectOptions = {}): Promise<HelperRootfs> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const warnings: string[] = [];
  const dirs = options.dirs ?? searchDirs(env);

  const located = await Promise.all(
    [...REQUIRED_TOOLS, ...OPTIONAL_TOOLS].map(async (name) => ({ name, tool: await locate(name, dirs) })),
  );
  const missing = located
    .filter(({ name, tool }) => !tool && (REQUIRED_TOOLS as readonly string[]).includes(name))
    .map(({ name }) => name);
  if (missing.length > 0) throw new HelperToolsMissingError(missing, dirs);
  const tools = located.flatMap(({ tool }) => (tool ? [tool] : []));
  const busybox = (await statOrUndefined('/bin/busybox'))?.isFile()
    ? { real: await realpath('/bin/busybox') }
    : await locate('busybox', dirs);
  if (!busybox) {
    // A helper holds with `sleep`; without busybox take the host's own (coreutils) sleep.
    const sleep = await locate('sleep', dirs);
    if (sleep) tools.push(sleep);
    warnings.push(
      sleep
        ? 'no busybox found: the image has sleep but no shell'
        : 'no busybox and no sleep found: the image can run one-shot commands only',
    );
  }

  const binaries = unique([...tools.map((tool) => tool.real), ...(busybox ? [busybox.real] : [])]);
  const binaryLibs = await ldd(binaries);
  const triplets = multiarchTriplets(binaryLibs.libraries, options.arch ?? process.arch);

  const xtablesDir = await firstExistingDir(xtablesDirCandidates(triplets, env));
  if (!xtablesDir) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_NO_XTABLES',
      `cannot build the helper image: iptables extension modules not found (looked in ${xtablesDirCandidates(triplets, env).join(', ')})`,
      { hint: `${INSTALL_HINT} If iptables keeps them elsewhere, set XTABLES_LIBDIR.` },
    );
  }
  const tcDir = await firstExistingDir(tcLibDirCandidates(triplets, env));
  if (!tcDir) warnings.push('tc distribution tables not found: `netem ... distribution` will not work');

  const moduleDirs = [xtablesDir, ...(tcDir ? [tcDir] : [])];
  const modules = (await Promise.all(moduleDirs.map(walkDir))).flat();
  const moduleLibs = await ldd(
    modules.flatMap((entry) => (entry.kind === 'copy' && entry.path.endsWith('.so') ? [entry.source] : [])),
  );
  const lddMissing = unique([...binaryLibs.missing, ...moduleLibs.missing]);
  if (lddMissing.length > 0) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_LIBRARY_MISSING',
      `cannot build the helper image: shared libraries not found on this host: ${lddMissing.join(', ')}`,
      {
        hint: 'Reinstall iproute2 and iptables so that `ldd $(command -v tc iptables)` finds every library.',
      },
    );
  }
  const libraryPaths = unique([...binaryLibs.libraries, ...moduleLibs.libraries]);
  const libraries = await Promise.all(
    libraryPaths.map(async (library) => ({ path: library, real: await realpath(library) })),
  );

  const extras: Placement[] = [];
  for (const file of ['/etc/ethertypes', '/etc/protocols', '/etc/services']) {
    if ((await statOrUndefined(file))?.isFile())
      extras.push({ kind: 'copy', path: file, source: await realpath(file) });
  }
  for (const dir of ['/etc/iproute2', '/usr/share/iproute2', '/etc/xtables']) {
    if (await firstExistingDir([dir])) extras.push(...(await walkDir(dir)));
  }

  const entries = await statPlacements([
    ...basePlacements(),
    ...toolPlacements(tools),
    ...(busybox ? busyboxPlacements(busybox.real) : []),
    ...libraryPlacements(libraries),
    ...modules,
    ...extras,
  ]);
  const imageEnv: Record<string, string> = {
    PATH: IMAGE_PATH,
    // No ld.so.cache in the image: point the loader at every directory a library was copied to.
    LD_LIBRARY_PATH: unique(libraries.map((library) => path.posix.dirname(library.path))).join(':'),
    XTABLES_LIBDIR: xtablesDir,
    ...(tcDir ? { TC_LIB_DIR: tcDir } : {}),
  };
  const toolNames = [...tools.map((tool) => tool.name), ...(busybox ? BUSYBOX_APPLETS : [])].sort();
  log(
    `found ${tools.length} tools, ${libraries.length} libraries, ${modules.length} modules in ${moduleDirs.join(', ')}${busybox ? `, busybox ${busybox.real}` : ''}`,
  );
  return { entries, env: imageEnv, tools: toolNames, hash: hashRootfs(entries, imageEnv), warnings };
}

/** Writes the root filesystem into `dir`. */
export async function materializeRootfs(entries: readonly RootfsEntry[], dir: string): Promise<void> {
  for (const entry of normalizeEntries(entries)) {
    const target = path.join(dir, entry.path);
    await mkdir(path.dirname(target), { recursive: true });
    switch (entry.kind) {
      case 'dir':
        await mkdir(target, { recursive: true });
        await chmod(target, entry.mode);
        break;
      case 'file':
        await copyFile(entry.source, target);
        await chmod(target, entry.mode);
        break;
      case 'symlink':
        await symlink(entry.target, target);
        break;
      case 'text':
        await writeFile(target, entry.content);
        await chmod(target, entry.mode);
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Building: offline from this host, or from the Dockerfile

export interface BuildHelperImageOptions {
  image?: string | undefined;
  /** The Engine to build with; default: DOCKER_HOST, else the local socket. */
  docker?: HelperImageDocker | undefined;
  log?: ((line: string) => void) | undefined;
  /** Rebuild even when the image is up to date, and replace an image faultline did not build. */
  force?: boolean | undefined;
  /** The way to build; `auto` (default) picks the offline build when it can work here. */
  from?: HelperImageFrom | undefined;
  /** The Dockerfile's base image (default debian:bookworm-slim). */
  base?: string | undefined;
  /** The network of the Dockerfile's RUN step (`none`, `host`, ...); default: the Engine's bridge. */
  buildNetwork?: string | undefined;
  /** Called once the way is chosen, before anything is built. */
  onChoice?: ((choice: WayChoice) => void) | undefined;
  /** What this host is; each fact defaults to the real one. */
  host?: Partial<HostFacts> | undefined;
}

export interface BuildHelperImageResult {
  image: string;
  /** false when an up-to-date image already existed. */
  built: boolean;
  way: HelperImageWay;
  /** Why that way. */
  why: string;
  id: string;
  hash: string;
  sizeBytes: number;
  durationMs: number;
  tools: string[];
  warnings: string[];
}

const DOCKER_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** This host as the choice of way sees it; on Linux, looks for the required tools. */
export async function hostFacts(
  given: Partial<HostFacts> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostFacts> {
  const platform = given.platform ?? process.platform;
  const missingTools =
    given.missingTools ??
    (platform === 'linux'
      ? (
          await Promise.all(
            REQUIRED_TOOLS.map(async (name) => ((await locate(name, searchDirs(env))) ? [] : [name])),
          )
        ).flat()
      : []);
  return {
    platform,
    arch: given.arch ?? DOCKER_ARCH[process.arch] ?? process.arch,
    kernel: given.kernel ?? release(),
    missingTools,
  };
}

async function engineFacts(docker: HelperImageDocker): Promise<EngineFacts> {
  const version = await dockerCall(() => docker.version());
  return { os: version.Os, arch: version.Arch, kernel: version.KernelVersion };
}

/**
 * How to get the helper image on this host, with the exact command: the advice `faultline doctor`
 * gives when the image is missing.
 */
export async function helperImageAdvice(
  options: {
    image?: string | undefined;
    docker?: HelperImageDocker | undefined;
    host?: Partial<HostFacts>;
  } = {},
): Promise<string> {
  const image = options.image ?? DEFAULT_HELPER_IMAGE;
  const choice = chooseHelperImageWay(
    'auto',
    await hostFacts(options.host),
    await engineFacts(defaultDocker(options.docker)),
  );
  const command = `faultline helper-image${image === DEFAULT_HELPER_IMAGE ? '' : ` --image ${image}`}`;
  return adviceFor(choice, command, DEFAULT_BASE_IMAGE);
}

/**
 * Builds the helper image the way that works here (or the one `from` forces), unless an image with that
 * name and the same input fingerprint exists already.
 */
export async function buildHelperImage(
  options: BuildHelperImageOptions = {},
): Promise<BuildHelperImageResult> {
  const started = performance.now();
  const image = options.image ?? DEFAULT_HELPER_IMAGE;
  const { repo, tag } = parseImageReference(image);
  const base = options.base ?? DEFAULT_BASE_IMAGE;
  const docker = defaultDocker(options.docker);
  const log = options.log ?? (() => undefined);

  const choice = chooseHelperImageWay(
    options.from ?? 'auto',
    await hostFacts(options.host),
    await engineFacts(docker),
  );
  options.onChoice?.(choice);

  const before = await helperImageStatus(image, docker);
  if (before.exists && !before.helper && !options.force) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_FOREIGN',
      `image ${image} exists and was not built by faultline; not replacing it`,
      { hint: 'Choose another name with --image, or pass --force to replace it.' },
    );
  }

  const planned =
    choice.way === 'host'
      ? await planFromHost(log)
      : { hash: dockerfileHash(await readHelperDockerfile(), base), warnings: [] };
  const done = (built: boolean, status: Extract<HelperImageStatus, { exists: true }>) => ({
    image,
    built,
    way: choice.way,
    why: choice.why,
    id: status.id,
    hash: planned.hash,
    sizeBytes: status.sizeBytes,
    durationMs: performance.now() - started,
    tools: status.tools,
    warnings: planned.warnings,
  });
  if (before.exists && before.hash === planned.hash && !options.force) {
    log(`${image} is up to date (${planned.hash.slice(0, 12)})`);
    return done(false, before);
  }

  if ('rootfs' in planned) await importFromHost(docker, planned.rootfs, { repo, tag, log });
  else {
    await buildDockerfileWay(docker, {
      image,
      base,
      hash: planned.hash,
      choice,
      log,
      network: options.buildNetwork,
    });
  }

  const after = await helperImageStatus(image, docker);
  if (!after.exists || after.hash !== planned.hash) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_IMPORT_FAILED',
      `the build of ${image} did not produce the image`,
    );
  }
  if (before.exists && before.id !== after.id) await removeStaleImage(docker, before.id, log);
  return done(true, after);
}

async function planFromHost(log: (line: string) => void) {
  const rootfs = await collectHelperRootfs({ log });
  for (const warning of rootfs.warnings) log(`warning: ${warning}`);
  return { rootfs, hash: rootfs.hash, warnings: rootfs.warnings };
}

async function importFromHost(
  docker: HelperImageDocker,
  rootfs: HelperRootfs,
  options: { repo: string; tag: string; log: (line: string) => void },
): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'faultline-helper-image-'));
  try {
    const rootDir = path.join(workDir, 'rootfs');
    const tarFile = path.join(workDir, 'rootfs.tar');
    await materializeRootfs(rootfs.entries, rootDir);
    const bytes = rootfs.entries.reduce((sum, entry) => sum + (entry.kind === 'file' ? entry.size : 0), 0);
    options.log(`assembled ${rootfs.entries.length} paths (${(bytes / 1e6).toFixed(1)} MB) in ${rootDir}`);
    await createTar(rootDir, tarFile);
    const labels = {
      [HELPER_IMAGE_LABEL]: '1',
      [HELPER_IMAGE_HASH_LABEL]: rootfs.hash,
      [HELPER_IMAGE_TOOLS_LABEL]: rootfs.tools.join(','),
      [HELPER_IMAGE_WAY_LABEL]: 'host',
    };
    options.log(`importing ${options.repo}:${options.tag}`);
    await importTar(docker, tarFile, {
      repo: options.repo,
      tag: options.tag,
      changes: importChanges(labels, rootfs.env),
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function buildDockerfileWay(
  docker: HelperImageDocker,
  options: {
    image: string;
    base: string;
    hash: string;
    choice: WayChoice;
    log: (line: string) => void;
    network: string | undefined;
  },
): Promise<void> {
  try {
    await ensureBaseImage(docker, options.base, options.log);
  } catch (error) {
    if (!(error instanceof BaseImageUnavailable)) throw error;
    const blocker = options.choice.hostBlocker;
    if (blocker && blocker.kind !== 'remote') {
      throw new HelperImageBuildError(
        'HELPER_IMAGE_NO_WAY',
        `cannot build the helper image here: not from this host's binaries (${blocker.why}), and not from the Dockerfile (the Docker Engine cannot pull ${options.base}: ${error.message})`,
        { hint: noWayHint(blocker) },
      );
    }
    throw new HelperImageBuildError(
      'HELPER_IMAGE_BASE_UNAVAILABLE',
      `cannot build the helper image from the Dockerfile: the Docker Engine cannot pull ${options.base}: ${error.message}`,
      {
        hint: blocker
          ? noWayHint(blocker)
          : 'This host can build it offline, no registry needed: run `faultline helper-image --from host`. Or let the Docker Engine reach a registry, or pass --base with an image it can pull.',
      },
    );
  }
  await buildFromDockerfile(docker, options);
}

async function createTar(rootDir: string, tarFile: string): Promise<void> {
  // GNU tar: owned by root inside the image whoever builds it, in a stable order.
  const args = ['--create', `--file=${tarFile}`, `--directory=${rootDir}`, '--numeric-owner', '--owner=0'];
  const result = await execa('tar', [...args, '--group=0', '--sort=name', '.'], { reject: false });
  if (result.exitCode !== 0) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_TAR_FAILED',
      `tar failed: ${result.stderr.trim() || result.shortMessage}`,
      { hint: 'The helper image build needs GNU tar 1.28 or later on PATH.', cause: result.cause },
    );
  }
}

async function importTar(
  docker: HelperImageDocker,
  tarFile: string,
  options: { repo: string; tag: string; changes: string[] },
): Promise<void> {
  const response = await dockerCall(() => docker.importImage(createReadStream(tarFile), options));
  const problem = await readProgress(response);
  if (problem !== undefined) {
    throw new HelperImageBuildError('HELPER_IMAGE_IMPORT_FAILED', `docker import failed: ${problem}`);
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
