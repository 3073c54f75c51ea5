import { type Family, type IptablesRuleSet, revertBatch } from '../../network/iptables-plan.js';
import type { NetnsRunner } from '../../network/netns-runner.js';
import { NFT_TABLE, onlyTheseSets, revertWithTable } from '../../network/nft-tables.js';
import { openTalk } from '../../network/talk.js';
import type { Target } from '../../targets/target.js';
import { type BatchOutcome, batchInput, batchOutcome, RESTORE_ARGS, restoreOf } from './batch.js';

/**
 * Takes a family's rule sets away where the fault created the nf_tables filter table: one look at the
 * table, then `nft delete table` when it holds these sets and nothing else (nft-tables.ts), else the
 * revert batch. On the nsenter way the look and either follow-up are one process (talk.ts).
 * `dropped`: the table went with the rules; a batch's outcome when the batch ran; undefined when
 * nothing was run after the look (the drop failed, or the way in holds no talk): the caller reverts as
 * usual.
 */
export async function revertCreatedTable(
  runner: NetnsRunner,
  target: Target,
  family: Family,
  sets: readonly IptablesRuleSet[],
  binary: string,
): Promise<'dropped' | BatchOutcome | undefined> {
  const save = [`${binary}-save`, '-t', 'filter'];
  const drop = ['nft', 'delete', 'table', NFT_TABLE[family], 'filter'];
  const restore = [restoreOf(binary), ...RESTORE_ARGS];
  const talk = await openTalk(runner, target, save, [drop, restore]);
  if (!talk) return (await revertWithTable(runner, target, family, sets, save[0]!)) ? 'dropped' : undefined;
  try {
    if (talk.look.exitCode === 0 && onlyTheseSets(talk.look.stdout, sets)) {
      const dropped = await talk.answer(0).catch(() => undefined);
      return dropped?.exitCode === 0 ? 'dropped' : undefined;
    }
    const lines = revertBatch(sets);
    return batchOutcome(restore[0]!, lines, await talk.answer(1, batchInput(lines)));
  } finally {
    await talk.end();
  }
}
