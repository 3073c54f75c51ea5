import type { Target } from '../targets/target.js';
import type { Family } from './iptables-plan.js';
import type { NetnsRunner } from './netns-runner.js';

/**
 * iptables-nft creates the nf_tables `filter` table the first time a rule goes in, and never removes
 * it. So that a revert leaves a namespace exactly as it was, faultline notes whether the table existed
 * before its first rule, and drops it afterwards if it created it and nothing else is in it. Needs the
 * `nft` tool in the namespace's way in; without it the empty table (policy ACCEPT, no effect) stays.
 */
const TABLE = { ipv4: 'ip', ipv6: 'ip6' } as const;

/** true / false when known; undefined when `nft` is not there to ask. */
export async function filterTableExists(
  runner: NetnsRunner,
  target: Target,
  family: Family,
): Promise<boolean | undefined> {
  const result = await runner
    .run(target, ['nft', 'list', 'table', TABLE[family], 'filter'])
    .catch(() => undefined);
  if (!result) return undefined;
  if (result.exitCode === 0) return true;
  return /No such file|does not exist/i.test(result.stderr) ? false : undefined;
}

/** Drops the filter tables faultline created, if they hold nothing but the empty built-in chains. */
export async function dropTablesIfEmpty(
  runner: NetnsRunner,
  target: Target,
  families: readonly Family[],
  save: Record<Family, string>,
): Promise<void> {
  for (const family of families) {
    const saved = await runner.run(target, [save[family], '-t', 'filter']).catch(() => undefined);
    if (saved?.exitCode !== 0) continue;
    const lines = saved.stdout.split('\n');
    const rules = lines.filter((line) => line.startsWith('-A'));
    const chains = lines.filter(
      (line) => line.startsWith(':') && !/^:(INPUT|FORWARD|OUTPUT) ACCEPT/.test(line),
    );
    if (rules.length > 0 || chains.length > 0) continue;
    await runner.run(target, ['nft', 'delete', 'table', TABLE[family], 'filter']).catch(() => undefined);
  }
}
