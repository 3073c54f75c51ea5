import { createHash } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_HELPER_IMAGE } from '../../../docker/labels.js';
import { InvalidInputError } from '../../../errors.js';

/**
 * The helper image's root filesystem as data: which tools it needs, where each host file goes, and the
 * fingerprint of it all. Nothing here reads the host (see collect.ts) or writes anything.
 */

/** Bump when the image layout changes, so images built by an older faultline are rebuilt. */
const LAYOUT_VERSION = 2;

export const REQUIRED_TOOLS = [
  'tc',
  'ip',
  'ss',
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

export const STANDARD_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
export const IMAGE_PATH = STANDARD_DIRS.join(':');

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
