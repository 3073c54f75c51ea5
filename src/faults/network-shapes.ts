import * as z from 'zod';
import { faultCommon, nonEmpty, numeric, peerSelector } from '../experiment/shapes.js';
import { builtOnce } from '../util/built-once.js';

/**
 * What the network fault families (tc, iptables, proxy) share in the file: peers, ports, rates,
 * percentages. Each is built on first use, when a step of a network kind is read.
 */

export const percentage = builtOnce(() =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const number = typeof value === 'number' ? value : Number(value.trim().replace(/%$/, ''));
      if (
        !Number.isFinite(number) ||
        number < 0 ||
        number > 100 ||
        (typeof value === 'string' && !/^\s*\d+(\.\d+)?\s*%?\s*$/.test(value))
      ) {
        ctx.addIssue({ code: 'custom', message: 'expected a percentage from 0 to 100, such as 10% or 0.5%' });
        return z.NEVER;
      }
      return number;
    })
    .meta({ description: 'A percentage: 10%, 0.5%' }),
);

const RATE = /^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i;
export const rate = builtOnce(() =>
  z
    .string()
    .regex(RATE, { message: 'expected a rate such as 1mbit, 512kbit or 10mbps (bytes per second)' })
    .transform((text) => text.toLowerCase())
    .meta({ description: 'A rate in tc units: 1mbit, 512kbit (bits/s), 10mbps (bytes/s)' }),
);

const portList = builtOnce(() =>
  z
    .union([
      numeric(z.number().int().min(1).max(65535)),
      z.array(numeric(z.number().int().min(1).max(65535))).min(1),
    ])
    .transform((value) => (Array.isArray(value) ? value : [value])),
);

const peers = builtOnce(() =>
  z
    .union([peerSelector(), z.array(peerSelector()).min(1)])
    .transform((value) => (Array.isArray(value) ? value : [value])),
);

/** Which traffic a network fault applies to. Without any of these, to all of the target's traffic. */
const networkScope = builtOnce(() => ({
  to: peers().optional().meta({ description: 'Only traffic to and from these peers (containers or CIDRs)' }),
  ports: portList().optional().meta({ description: 'Only these destination ports' }),
  protocol: z
    .enum(['tcp', 'udp', 'icmp', 'all'])
    .optional()
    .meta({ description: 'Only this protocol (default all)' }),
}));

export const networkCommon = builtOnce(() => ({
  ...faultCommon,
  ...networkScope(),
  interface: nonEmpty
    .optional()
    .meta({ description: 'The interface to shape (default: found from the peers, or all)' }),
}));

/** tc shapes outgoing traffic; ingress shapes incoming traffic through an ifb device. */
export const tcCommon = builtOnce(() => ({
  ...networkCommon(),
  direction: z
    .enum(['egress', 'ingress', 'both'])
    .optional()
    .meta({ description: 'Shape outgoing (default), incoming, or both directions of traffic' }),
}));

export const correlation = builtOnce(() =>
  percentage().optional().meta({ description: 'How much each packet depends on the previous one' }),
);
export const direction = builtOnce(() =>
  z
    .enum(['egress', 'ingress', 'both'])
    .optional()
    .meta({ description: 'Outgoing, incoming or both (default both)' }),
);
