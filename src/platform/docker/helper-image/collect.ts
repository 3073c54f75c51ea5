import { realpath } from 'node:fs/promises';
import { release } from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../../errors.js';
import { HelperImageBuildError } from './engine.js';
import {
  firstExistingDir,
  locate,
  searchDirs,
  statOrUndefined,
  statPlacements,
  unique,
  walkDir,
} from './host-files.js';
import { type LddResult, ldd, multiarchTriplets, tcLibDirCandidates, xtablesDirCandidates } from './ldd.js';
import { PROXY_TOOL, type ProgramFile, proxyPlacements, proxyProgramFiles } from './proxy-program.js';
import {
  BUSYBOX_APPLETS,
  basePlacements,
  busyboxPlacements,
  type HelperRootfs,
  hashRootfs,
  IMAGE_PATH,
  type LocatedTool,
  libraryPlacements,
  OPTIONAL_TOOLS,
  type Placement,
  REQUIRED_TOOLS,
  toolPlacements,
} from './rootfs.js';
import type { HostFacts } from './way.js';

/** Reading this host: the tools, their libraries and modules, as the root filesystem of the image. */

const INSTALL_HINT =
  'Install them (Debian/Ubuntu: `apt-get install iproute2 iptables`; Fedora: `dnf install iproute-tc iptables-nft`; ' +
  'Alpine: `apk add iproute2 iptables`) and run again, or configure any image that has tc, ip and iptables as the helper image instead.';

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

export interface CollectOptions {
  env?: NodeJS.ProcessEnv | undefined;
  arch?: string | undefined;
  /** Directories to search for the tools; default: PATH, then the standard system directories. */
  dirs?: readonly string[] | undefined;
  log?: ((line: string) => void) | undefined;
  /** The node binary that runs the fault proxy in the image; default: the one running faultline. */
  nodeBinary?: string | undefined;
  /** The built fault proxy program; default: dist/proxy of this package. */
  proxyDir?: string | undefined;
}

/** The required and optional tools, and busybox (else the host's sleep); throws when a required one is missing. */
async function locateTools(dirs: readonly string[], warnings: string[]) {
  const located = await Promise.all(
    [...REQUIRED_TOOLS, ...OPTIONAL_TOOLS].map(async (name) => ({ name, tool: await locate(name, dirs) })),
  );
  const missing = located
    .filter(({ name, tool }) => !tool && (REQUIRED_TOOLS as readonly string[]).includes(name))
    .map(({ name }) => name);
  if (missing.length > 0) throw new HelperToolsMissingError(missing, dirs);
  const tools: LocatedTool[] = located.flatMap(({ tool }) => (tool ? [tool] : []));
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
  return { tools, busybox };
}

/** The iptables extension directory (required) and the tc tables directory (optional). */
async function moduleDirectories(triplets: readonly string[], env: NodeJS.ProcessEnv, warnings: string[]) {
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
  return { xtablesDir, tcDir };
}

/** The libraries the binaries and the modules need, each with its real file; throws when one is missing. */
async function neededLibraries(binaryLibs: LddResult, modules: readonly Placement[]) {
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
  return Promise.all(libraryPaths.map(async (library) => ({ path: library, real: await realpath(library) })));
}

/** Small files and directories the tools read, when the host has them. */
async function extraPlacements(): Promise<Placement[]> {
  const extras: Placement[] = [];
  for (const file of ['/etc/ethertypes', '/etc/protocols', '/etc/services']) {
    if ((await statOrUndefined(file))?.isFile())
      extras.push({ kind: 'copy', path: file, source: await realpath(file) });
  }
  for (const dir of ['/etc/iproute2', '/usr/share/iproute2', '/etc/xtables']) {
    if (await firstExistingDir([dir])) extras.push(...(await walkDir(dir)));
  }
  return extras;
}

/** node (the real file, placed like a tool) and the fault proxy program. */
async function proxyRuntime(options: CollectOptions): Promise<{ node: LocatedTool; program: ProgramFile[] }> {
  const nodePath = options.nodeBinary ?? process.execPath;
  const node = { name: 'node', path: nodePath, real: await realpath(nodePath) };
  return { node, program: await proxyProgramFiles(options.proxyDir) };
}

/** Finds everything the image needs on this host and describes the root filesystem. Writes nothing. */
export async function collectHelperRootfs(options: CollectOptions = {}): Promise<HelperRootfs> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const warnings: string[] = [];
  const dirs = options.dirs ?? searchDirs(env);

  const { tools, busybox } = await locateTools(dirs, warnings);
  const { node, program } = await proxyRuntime(options);
  tools.push(node);
  const binaries = unique([...tools.map((tool) => tool.real), ...(busybox ? [busybox.real] : [])]);
  const binaryLibs = await ldd(binaries);
  const triplets = multiarchTriplets(binaryLibs.libraries, options.arch ?? process.arch);
  const { xtablesDir, tcDir } = await moduleDirectories(triplets, env, warnings);
  const moduleDirs = [xtablesDir, ...(tcDir ? [tcDir] : [])];
  const modules = (await Promise.all(moduleDirs.map(walkDir))).flat();
  const libraries = await neededLibraries(binaryLibs, modules);

  const entries = await statPlacements([
    ...basePlacements(),
    ...toolPlacements(tools),
    ...(busybox ? busyboxPlacements(busybox.real) : []),
    ...libraryPlacements(libraries),
    ...modules,
    ...proxyPlacements(program),
    ...(await extraPlacements()),
  ]);
  const imageEnv: Record<string, string> = {
    PATH: IMAGE_PATH,
    // No ld.so.cache in the image: point the loader at every directory a library was copied to.
    LD_LIBRARY_PATH: unique(libraries.map((library) => path.posix.dirname(library.path))).join(':'),
    XTABLES_LIBDIR: xtablesDir,
    ...(tcDir ? { TC_LIB_DIR: tcDir } : {}),
  };
  const toolNames = [
    ...tools.map((tool) => tool.name),
    ...(busybox ? BUSYBOX_APPLETS : []),
    PROXY_TOOL,
  ].sort();
  log(
    `found ${tools.length} tools, ${libraries.length} libraries, ${modules.length} modules in ${moduleDirs.join(', ')}${busybox ? `, busybox ${busybox.real}` : ''}; node ${node.real} and the fault proxy (${program.length} files)`,
  );
  return { entries, env: imageEnv, tools: toolNames, hash: hashRootfs(entries, imageEnv), warnings };
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
