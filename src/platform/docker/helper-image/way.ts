import { HelperImageBuildError } from './engine.js';

/**
 * Two ways to build the helper image: `host` packs this host's own tc, ip and iptables (offline, no
 * registry); `dockerfile` has the Docker Engine build images/helper/Dockerfile (it pulls a base image).
 * Which one works depends on the host and the Engine, described here as plain data.
 */
export type HelperImageWay = 'host' | 'dockerfile';
export type HelperImageFrom = HelperImageWay | 'auto';
export const HELPER_IMAGE_FROM: readonly HelperImageFrom[] = ['auto', 'host', 'dockerfile'];

export interface HostFacts {
  /** process.platform */
  platform: string;
  /** This host's CPU in Docker's words (amd64, arm64, ...). */
  arch: string;
  /** os.release() */
  kernel: string;
  /** Required commands not found on this host (looked for on Linux only). */
  missingTools: readonly string[];
}

export interface EngineFacts {
  os: string;
  arch: string;
  kernel: string;
}

/** Why the offline build cannot work here; `remote` alone can be overridden with --from host. */
export interface HostWayBlocker {
  kind: 'platform' | 'engine' | 'tools' | 'remote';
  why: string;
}

export interface WayChoice {
  way: HelperImageWay;
  /** Why this way, in words for the terminal. */
  why: string;
  /** Set when the offline build would not work here. */
  hostBlocker?: HostWayBlocker | undefined;
}

/** What stands in the way of building from this host's binaries, or undefined when nothing does. */
export function hostWayBlocker(host: HostFacts, engine: EngineFacts): HostWayBlocker | undefined {
  if (host.platform !== 'linux') {
    return { kind: 'platform', why: `this host runs ${host.platform}, not Linux: it has no Linux binaries` };
  }
  if (engine.os !== 'linux') {
    return { kind: 'engine', why: `the Docker Engine runs ${engine.os} containers, not Linux ones` };
  }
  if (engine.arch !== host.arch) {
    return {
      kind: 'engine',
      why: `the Docker Engine runs linux/${engine.arch} but this host's binaries are linux/${host.arch}`,
    };
  }
  if (host.missingTools.length > 0) {
    return { kind: 'tools', why: `${host.missingTools.join(', ')} not found on this host` };
  }
  if (engine.kernel !== host.kernel) {
    return {
      kind: 'remote',
      why: `the Docker Engine runs on another kernel (${engine.kernel}; this host ${host.kernel}): a VM or another machine`,
    };
  }
  return undefined;
}

/** Picks the way: forced by --from, else offline when it can work, else the Dockerfile. */
export function chooseHelperImageWay(from: HelperImageFrom, host: HostFacts, engine: EngineFacts): WayChoice {
  const blocker = hostWayBlocker(host, engine);
  if (from === 'dockerfile')
    return { way: 'dockerfile', why: 'chosen with --from dockerfile', hostBlocker: blocker };
  if (from === 'host') {
    if (blocker && (blocker.kind === 'platform' || blocker.kind === 'engine')) {
      throw new HelperImageBuildError(
        'HELPER_IMAGE_HOST_WAY_IMPOSSIBLE',
        `cannot build the helper image from this host's binaries: ${blocker.why}`,
        {
          hint: 'Run `faultline helper-image --from dockerfile`: the Docker Engine builds it from a base image it pulls.',
        },
      );
    }
    // Missing tools are reported by the build itself, with what to install.
    return { way: 'host', why: 'chosen with --from host', hostBlocker: blocker };
  }
  if (blocker) return { way: 'dockerfile', why: blocker.why, hostBlocker: blocker };
  return {
    way: 'host',
    why: `this Linux host has tc, ip and iptables and the Docker Engine (linux/${engine.arch}) runs on it`,
  };
}

/** "offline from this host's binaries" or "from the Dockerfile". */
export function describeWay(way: HelperImageWay): string {
  return way === 'host' ? "offline from this host's binaries" : 'from images/helper/Dockerfile';
}

/** How to get a missing helper image on this host, with the exact command (for `faultline doctor`). */
export function adviceFor(choice: WayChoice, command: string, base: string): string {
  if (choice.way === 'host') {
    return `Build it offline from this host's tc, ip and iptables, no registry needed: \`${command}\``;
  }
  return (
    `Build it from images/helper/Dockerfile: \`${command}\` (the Docker Engine pulls ${base}, so it needs a registry or a mirror; ` +
    `not from this host's binaries: ${choice.why})`
  );
}

/** The remedy when neither way works: the host cannot, and the base image cannot be pulled. */
export function noWayHint(blocker: HostWayBlocker | undefined): string {
  const host =
    blocker?.kind === 'tools'
      ? 'install iproute2 and iptables on this host (Debian/Ubuntu: `apt-get install iproute2 iptables`) and run `faultline helper-image` again; or '
      : blocker?.kind === 'remote'
        ? "run `faultline helper-image --from host` to use this host's binaries anyway (the Engine has the same platform); or "
        : '';
  return (
    `To fix it: ${host}let the Docker Engine reach a registry, or pass --base with an image it can pull ` +
    '(a mirror of debian:bookworm-slim, or any Debian, Ubuntu or Alpine image); or give `faultline run` ' +
    '--helper-image with any image that has tc, ip and iptables.'
  );
}
