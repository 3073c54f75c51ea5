// The floor for a partition: the very rules faultline's plan holds for each target (its chains, their
// rules, the jumps from OUTPUT and INPUT), applied by ONE `iptables-restore --noflush` per namespace
// through nsenter, all namespaces at once, and removed by one more per namespace. No inspect, no
// backend detection, no checks: what a hand-written script that already knows every pid would cost.

import { plannedInjections, run } from './common.mjs';

const RESTORE = { ipv4: 'iptables-restore', ipv6: 'ip6tables-restore' };

/** One argv token as iptables-restore reads it (double quotes around anything with a space). */
function token(text) {
  return /[\s"]/.test(text) ? `"${text.replaceAll('"', '\\"')}"` : text;
}

function line(argv) {
  return argv.map(token).join(' ');
}

function jump(set) {
  return ['-m', 'comment', '--comment', set.comment, '-j', set.chain];
}

/** The restore input that adds a target's rule sets of one address family. */
export function applyText(sets) {
  return [
    '*filter',
    ...sets.map((set) => `:${set.chain} - [0:0]`),
    ...sets.flatMap((set) => set.rules.map((rule) => line(['-A', set.chain, ...rule]))),
    ...sets.map((set) => line(['-I', set.hook, '1', ...jump(set)])),
    'COMMIT',
    '',
  ].join('\n');
}

/** The restore input that removes them again: the jumps first, then the chains. */
export function removeText(sets) {
  return [
    '*filter',
    ...sets.map((set) => line(['-D', set.hook, ...jump(set)])),
    ...sets.map((set) => `-F ${set.chain}`),
    ...sets.map((set) => `-X ${set.chain}`),
    'COMMIT',
    '',
  ].join('\n');
}

/** Per target of the plan: its pid and its rule sets by address family. */
function batches(injections, pidOf) {
  return injections.map((injection) => {
    const sets = injection.fault.sets;
    if (injection.fault.type !== 'iptables' || !Array.isArray(sets)) {
      throw new Error(`the floor expects iptables plans, got ${injection.fault.type}`);
    }
    const families = [...new Set(sets.map((set) => set.family))];
    const byFamily = families.map((family) => [family, sets.filter((set) => set.family === family)]);
    return { name: injection.target.name, pid: pidOf(injection.target.name), byFamily };
  });
}

async function restoreAll(targets, text) {
  let commands = 0;
  await Promise.all(
    targets.flatMap((target) =>
      target.byFamily.map(async ([family, sets]) => {
        commands++;
        const argv = ['-t', String(target.pid), '-n', RESTORE[family], '--noflush'];
        const result = await run('nsenter', argv, { input: text(sets) });
        if (result.code !== 0) {
          throw new Error(`nsenter ${argv.join(' ')} for ${target.name} failed: ${result.stderr.trim()}`);
        }
      }),
    ),
  );
  return commands;
}

/** One floor repetition: the plan (not timed) gives the rules; inject and revert are timed by the caller. */
export async function floorRep({ dist, client, loaded, expected, containers }) {
  const { planMs, injections } = await plannedInjections({ dist, client, loaded, expected });
  const pids = new Map(containers.map((c) => [c.name, c.pid]));
  const targets = batches(injections, (name) => pids.get(name));
  return {
    planMs,
    inject: () => restoreAll(targets, applyText),
    async revert() {
      const commands = await restoreAll(targets, removeText);
      return { commands, outcomes: targets.map(() => 'reverted'), failures: [] };
    },
    async dispose() {},
  };
}
