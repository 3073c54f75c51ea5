import type Docker from 'dockerode';
import type { ContainerNetwork, HelperSpec } from './client.js';

/** How the Engine's answers and requests are shaped, translated to and from the client's own types. */

/**
 * The Engine frames a container's log (no TTY) as [stream, 0, 0, 0, size(4, big-endian)] + payload; a
 * buffer that does not start like a frame is taken as plain text (a TTY container).
 */
export function demuxLogs(raw: Buffer): string {
  if (raw.length < 8 || raw[0]! > 2 || raw[1] !== 0 || raw[2] !== 0 || raw[3] !== 0)
    return raw.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export interface EngineNetwork {
  IPAddress?: string;
  IPPrefixLen?: number;
  GlobalIPv6Address?: string;
  Gateway?: string;
}

/** The Engine lists and inspects a container's networks in the same shape. */
export function toNetworks(networks: Record<string, EngineNetwork> | undefined): ContainerNetwork[] {
  return Object.entries(networks ?? {}).map(([name, network]) => ({
    name,
    ipv4: network.IPAddress || undefined,
    ipv4PrefixLength: network.IPPrefixLen || undefined,
    ipv6: network.GlobalIPv6Address || undefined,
    gateway: network.Gateway || undefined,
  }));
}

/** The Engine's create request for a helper container. */
export function helperCreateOptions(spec: HelperSpec): Docker.ContainerCreateOptions {
  return {
    Image: spec.image,
    Cmd: spec.cmd,
    Labels: spec.labels,
    ...(spec.name ? { name: spec.name } : {}),
    HostConfig: {
      NetworkMode: spec.networkMode,
      CapAdd: spec.capAdd,
      AutoRemove: false,
      ...(spec.cgroupnsMode ? { CgroupnsMode: spec.cgroupnsMode } : {}),
      ...(spec.pidMode ? { PidMode: spec.pidMode } : {}),
      ...(spec.binds ? { Binds: spec.binds } : {}),
    },
  };
}
