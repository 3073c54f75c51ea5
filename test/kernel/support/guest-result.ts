/** The shape of result.json as test/kernel/guest/netem-scenarios.mjs writes it. */

export interface Summary {
  n: number;
  min: number | null;
  p10: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
  max: number | null;
  mean: number;
  stdev: number;
}

export interface Freezes {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface UdpProbe {
  host: string;
  port: number;
  size: number;
  intervalMs: number;
  sent: number;
  sendingMs: number;
  received: number;
  lost: number;
  lossRate: number;
  /** Requests answered more than once. */
  duplicatedIds: number;
  extraReplies: number;
  /** First replies that arrived after a reply to a later request. */
  reordered: number;
  /** Replies whose content differed from the request. */
  altered: number;
  foreign: number;
  /** Round trips (ms) of every answered request. */
  rtt: Summary;
  /** Round trips (ms) of the requests during which the guest never stood still. */
  rttSteady: Summary;
  steadyShare: number;
  freezes: Freezes;
  /** Round trip of each request (ms), null when unanswered. */
  rtts: (number | null)[];
  disturbed: number[];
  attempts?: { steady: number; freezes: Freezes }[];
}

export interface TcpBulk {
  host: string;
  port: number;
  bytes: number;
  received: number;
  /** At the receiver, from the first byte to the last. */
  ms: number;
  bitsPerSecond: number | null;
  /** How long the receiving process itself stood still meanwhile (the kernel kept receiving). */
  stalledMs: number;
  stalls: Freezes;
  totalMs: number;
}

export interface TcCommand {
  argv: string[];
  exitCode: number | null;
  stderr: string;
  ms: number;
}

export interface Transition {
  label: string;
  commands: TcCommand[];
  failed: TcCommand | null;
}

export interface TcState {
  qdisc: string;
  stats?: string;
  classes?: string;
  filters?: string;
}

export interface Scenario {
  name: string;
  description: string;
  transitions: Transition[];
  tc: Record<string, TcState | undefined>;
  udp: Record<string, UdpProbe | undefined>;
  tcp: Record<string, TcpBulk | undefined>;
  counters: Record<string, Record<string, Record<string, number>> | undefined>;
  faults?: unknown[];
  bands?: { band: number }[];
  ifb?: string;
  ifbAfter?: boolean;
  /** Set when faultline's own revert left something behind and the guest had to clean up. */
  cleanup?: { qdisc: string; ifb: boolean };
  error?: string;
  ms: number;
}

export interface GuestResult {
  kernel: string;
  baseline: {
    tc: TcState;
    udp: { b: UdpProbe; bOther: UdpProbe; c: UdpProbe };
    tcp: TcpBulk;
  };
  scenarios: Record<string, Scenario | undefined>;
  totalMs: number;
  fatal?: string;
}
