import type { CommandResult, NetnsRunner } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { Display } from '../driver.js';
import type { ProxyConfig } from './config.js';

/**
 * nat steers new connections only: a keep-alive connection opened before a proxy fault goes on
 * straight to its peer and never sees the fault. Once the nat rules are in place, `ss -K` (the kernel's
 * SOCK_DESTROY) resets the established connections the fault covers, so their clients reconnect through
 * the proxy. The proxy's own upstream connections are spared: they use a local port in its upstream
 * source range (`upstreamSourcePorts`), which is their peer's port on the target's inbound side.
 */

/** `reset` (default): connections opened before the fault are reset; `keep`: they are left alone. */
export type ExistingMode = 'reset' | 'keep';

/** How one fault deals with the connections opened before it, and what came of it. */
export interface ExistingOutcome {
  detail: string;
  warnings: string[];
}

const STATE = ['-t', '-n', '-H', 'state', 'established'];

/** The ss filter (argv) for established connections the fault covers, except the proxy's own. */
export function existingFilter(config: ProxyConfig): string[] {
  const listeners = config.listeners;
  if (listeners.length === 0) return [];
  const inbound = listeners[0]?.listen.host === '0.0.0.0';
  const routes = listeners.map((listener) =>
    inbound
      ? ['(', 'sport', '=', `:${listener.upstream.port}`, ')']
      : ['(', 'dst', listener.upstream.host, 'and', 'dport', '=', `:${listener.upstream.port}`, ')'],
  );
  const { from, to } = config.upstreamSourcePorts;
  // Inbound, the proxy's connection to the target comes from that range; outbound, it leaves from it.
  const side = inbound ? 'dport' : 'sport';
  const any = routes.flatMap((route, index) => (index === 0 ? route : ['or', ...route]));
  return [
    ...(routes.length === 1 ? any : ['(', ...any, ')']),
    'and',
    'not',
    '(',
    side,
    '>=',
    `:${from}`,
    'and',
    side,
    '<=',
    `:${to}`,
    ')',
  ];
}

/** Lists the connections the fault covers. */
export const listCommand = (config: ProxyConfig): string[] => ['ss', ...STATE, ...existingFilter(config)];

/** Resets them (SOCK_DESTROY): each side gets an RST, and ss prints those it reset. */
export const resetCommand = (config: ProxyConfig): string[] => [
  'ss',
  '-K',
  ...STATE,
  ...existingFilter(config),
];

/** What `plan` shows for it. */
export function describeExisting(
  config: ProxyConfig,
  mode: ExistingMode | undefined,
  target: Target,
  display: Display,
): string[] {
  if (config.listeners.length === 0) return [];
  if (mode === 'keep')
    return ['keep the connections opened before the fault (existing: keep): they bypass it until they close'];
  return [display(target, resetCommand(config))];
}

/** Each connection as `local peer`, from ss's lines without a header (with `state`, no state column). */
export function connections(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map((fields) => `${fields[2]} ${fields[3]}`);
}

const missing = (result: CommandResult) =>
  result.exitCode === 127 || (result.exitCode === 126 && /not found|no such file/i.test(result.stderr));

/** Why ss did not answer, for a warning. */
function reason(result: CommandResult): string {
  if (missing(result)) return "ss is not installed where the fault's commands run (install iproute2 there)";
  return `ss failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`;
}

const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;

async function run(runner: NetnsRunner, target: Target, argv: string[]): Promise<CommandResult> {
  try {
    return await runner.run(target, argv);
  } catch (error) {
    return { exitCode: -1, stdout: '', stderr: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Resets the established connections the fault covers, then looks again: those still there bypass
 * the fault (a kernel without SOCK_DESTROY), which the outcome says. Never throws: the fault is in
 * place either way, and what could not be done is a warning.
 */
export async function resetExisting(
  runner: NetnsRunner,
  target: Target,
  config: ProxyConfig,
  mode: ExistingMode | undefined,
): Promise<ExistingOutcome> {
  if (config.listeners.length === 0) return { detail: '', warnings: [] };
  if (mode === 'keep') {
    return { detail: 'connections opened before the fault kept (they bypass it)', warnings: [] };
  }
  const listed = await run(runner, target, listCommand(config));
  if (listed.exitCode !== 0) {
    const warning = `connections opened before the fault were not reset and bypass it until they close: ${reason(listed)}`;
    return { detail: 'connections opened before the fault not reset', warnings: [warning] };
  }
  const before = connections(listed.stdout);
  if (before.length === 0) return { detail: 'no connection opened before the fault', warnings: [] };
  const reset = await run(runner, target, resetCommand(config));
  const after = await run(runner, target, listCommand(config));
  const seen = new Set(after.exitCode === 0 ? connections(after.stdout) : before);
  const left = before.filter((connection) => seen.has(connection)).length;
  if (left === 0) {
    return { detail: `reset ${plural(before.length, 'connection')} opened before the fault`, warnings: [] };
  }
  const why =
    reset.exitCode !== 0 ? reason(reset) : 'ss -K could not reset them (a kernel without SOCK_DESTROY)';
  return {
    detail: `${left} of ${plural(before.length, 'connection')} opened before the fault not reset`,
    warnings: [
      `${plural(left, 'connection')} opened before the fault still bypass it until they close: ${why}`,
    ],
  };
}
