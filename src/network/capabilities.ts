import type { DockerClient } from '../docker/client.js';
import { FAULTLINE_HELPER } from '../docker/labels.js';
import { EnvironmentError } from '../errors.js';
import { execa } from '../util/lazy-execa.js';
import type { CommandResult, Via } from './netns-runner.js';

/**
 * Kernel and tool features network faults need, checked in a scratch network namespace (never in a
 * target's), so a check changes nothing a user can see.
 */
export type Feature =
  | 'netem'
  | 'tbf'
  | 'htb'
  | 'u32'
  | 'iptables'
  | 'comment'
  | 'multiport'
  | 'reject'
  | 'redirect'
  | 'ss';

export interface FeatureCheck {
  feature: Feature;
  ok: boolean;
  detail: string;
  remedy?: string | undefined;
}

const CHECKS: Record<Feature, { argv: string[][]; what: string; remedy: string }> = {
  netem: {
    what: 'tc netem (delay, loss, duplicate, corrupt, reorder)',
    argv: [['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']],
    remedy:
      'This kernel lacks sch_netem. Try `modprobe sch_netem`; on Ubuntu install linux-modules-extra-$(uname -r). WSL2, some Docker Desktop and minikube kernels do not ship it: run on a Linux host or VM whose kernel has it. For latency without netem, use tcp-latency or http-delay (through the proxy).',
  },
  tbf: {
    what: 'tc tbf (bandwidth)',
    argv: [
      [
        'tc',
        'qdisc',
        'add',
        'dev',
        'lo',
        'root',
        'tbf',
        'rate',
        '1mbit',
        'burst',
        '32kbit',
        'latency',
        '400ms',
      ],
    ],
    remedy: 'This kernel lacks sch_tbf: `modprobe sch_tbf`.',
  },
  htb: {
    what: 'tc htb (the root faultline builds its tc faults on)',
    argv: [['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb']],
    remedy: 'This kernel lacks sch_htb: `modprobe sch_htb`.',
  },
  u32: {
    what: 'tc u32 filters (scoping faults to peers and ports)',
    argv: [
      ['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb'],
      [
        'tc',
        'filter',
        'add',
        'dev',
        'lo',
        'parent',
        '1:',
        'protocol',
        'ip',
        'prio',
        '1',
        'u32',
        'match',
        'ip',
        'dst',
        '127.0.0.1/32',
        'flowid',
        '1:1',
      ],
    ],
    remedy: 'This kernel lacks cls_u32: `modprobe cls_u32`.',
  },
  iptables: {
    what: 'iptables (blackhole, reset, dns, partition)',
    argv: [['iptables', '-w', '5', '-A', 'OUTPUT', '-d', '192.0.2.1', '-j', 'DROP']],
    remedy:
      'Install iptables (`apt-get install iptables`), and make sure the nf_tables or ip_tables module is available.',
  },
  comment: {
    what: 'the iptables comment match (rules tagged with the run)',
    argv: [['iptables', '-w', '5', '-A', 'OUTPUT', '-m', 'comment', '--comment', 'faultline', '-j', 'DROP']],
    remedy: 'This kernel lacks xt_comment: `modprobe xt_comment`.',
  },
  multiport: {
    what: 'the iptables multiport match (several ports)',
    argv: [
      [
        'iptables',
        '-w',
        '5',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '-m',
        'multiport',
        '--dports',
        '1,2',
        '-j',
        'DROP',
      ],
    ],
    remedy: 'This kernel lacks xt_multiport: `modprobe xt_multiport`.',
  },
  reject: {
    what: 'the iptables REJECT target (reset, dns)',
    argv: [
      ['iptables', '-w', '5', '-A', 'OUTPUT', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ],
    remedy: 'This kernel lacks ipt_REJECT: `modprobe ipt_REJECT`.',
  },
  redirect: {
    what: 'the iptables nat table and REDIRECT target (http-* and tcp-* faults, through the proxy)',
    argv: [
      [
        'iptables',
        '-w',
        '5',
        '-t',
        'nat',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '--dport',
        '1',
        '!',
        '--sport',
        '30000:32767',
        '-j',
        'REDIRECT',
        '--to-ports',
        '2',
      ],
    ],
    remedy: 'This kernel lacks the nat table or REDIRECT: `modprobe iptable_nat xt_REDIRECT` (or nft_nat).',
  },
  ss: {
    what: 'ss (resets the connections opened before an http-* or tcp-* fault, so they reconnect through it)',
    argv: [['ss', '-V']],
    remedy: 'Install iproute2 (it carries ss), or set `existing: keep` on the step.',
  },
};

export const ALL_FEATURES = Object.keys(CHECKS) as Feature[];

/** Runs a sequence of commands in one fresh, empty network namespace that disappears afterwards. */
export interface ScratchNamespace {
  /** Sequences may run at the same time (each gets its own namespace). */
  readonly concurrent: boolean;
  run(sequence: readonly (readonly string[])[]): Promise<CommandResult>;
  dispose(): Promise<void>;
}

/**
 * As root on the host: each sequence gets its own `unshare -n` namespace; several tc commands go
 * through `tc -batch` so they share it.
 */
export function hostScratch(): ScratchNamespace {
  return {
    concurrent: true,
    async run(sequence) {
      const [first] = sequence;
      const batch = sequence.length > 1;
      const argv = batch ? ['tc', '-batch', '-'] : [...first!];
      const result = await execa('unshare', ['-n', '--', ...argv], {
        reject: false,
        timeout: 10_000,
        input: batch ? sequence.map((command) => command.slice(1).join(' ')).join('\n') : '',
      });
      return {
        exitCode: result.exitCode ?? 127,
        stdout: String(result.stdout),
        stderr: String(result.stderr || result.shortMessage),
      };
    },
    async dispose() {},
  };
}

/** Through the helper image: a helper with no network of its own (`--network none`). */
export async function helperScratch(docker: DockerClient, image: string): Promise<ScratchNamespace> {
  const id = await docker.runHelper({
    image,
    cmd: ['sleep', '600'],
    networkMode: 'none',
    capAdd: ['NET_ADMIN', 'NET_RAW'],
    labels: { [FAULTLINE_HELPER]: '1' },
  });
  const exec = async (argv: readonly string[]): Promise<CommandResult> => {
    const result = await docker.exec(id, argv, { timeoutMs: 10_000 });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
  return {
    concurrent: false,
    async run(sequence) {
      let last: CommandResult = { exitCode: 0, stdout: '', stderr: '' };
      for (const argv of sequence) {
        last = await exec(argv);
        if (last.exitCode !== 0) break;
      }
      // One namespace serves every check: leave it empty for the next one.
      await exec(['tc', 'qdisc', 'del', 'dev', 'lo', 'root']);
      await exec(['iptables-nft', '-F', 'OUTPUT']);
      await exec(['iptables-legacy', '-F', 'OUTPUT']);
      await exec(['iptables-nft', '-t', 'nat', '-F', 'OUTPUT']);
      await exec(['iptables-legacy', '-t', 'nat', '-F', 'OUTPUT']);
      return last;
    },
    dispose: () => docker.remove(id),
  };
}

export async function checkFeatures(
  scratch: ScratchNamespace,
  features: readonly Feature[],
  iptablesBinary = 'iptables',
): Promise<FeatureCheck[]> {
  const one = async (feature: Feature): Promise<FeatureCheck> => {
    const check = CHECKS[feature];
    const sequence = check.argv.map((argv) =>
      argv[0] === 'iptables' ? [iptablesBinary, ...argv.slice(1)] : argv,
    );
    const last = await scratch.run(sequence);
    const ok = last.exitCode === 0;
    return {
      feature,
      ok,
      detail: ok ? check.what : `${check.what}: ${firstLine(last.stderr) || `exit ${last.exitCode}`}`,
      remedy: ok ? undefined : check.remedy,
    };
  };
  if (scratch.concurrent) return Promise.all(features.map(one));
  const checks: FeatureCheck[] = [];
  for (const feature of features) checks.push(await one(feature));
  return checks;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

export class MissingCapabilityError extends EnvironmentError {
  constructor(
    readonly failed: FeatureCheck[],
    via: Via,
  ) {
    super(
      'CAPABILITY_MISSING',
      `this host cannot do what the experiment needs (checked via ${via}, nothing was injected):\n${failed.map((check) => `  ${check.detail}`).join('\n')}`,
      {
        hint: failed
          .map((check) => check.remedy)
          .filter(Boolean)
          .join('\n      '),
      },
    );
  }
}
