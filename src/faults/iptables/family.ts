import { RULE_GONE } from '../../network/gone.js';
import {
  applyBatch,
  byFamily,
  type Family,
  type IptablesRuleSet,
  revertBatch,
  revertCommands,
} from '../../network/iptables-plan.js';
import type { NetnsRunner } from '../../network/netns-runner.js';
import { quote } from '../../network/netns-runner.js';
import {
  type IptablesBackend,
  type NetworkContext,
  NetworkInjectionError,
} from '../../network/network-fault.js';
import { dropTablesIfEmpty, filterTableExists, NFT_TABLE } from '../../network/nft-tables.js';
import { openTalk, type Talk } from '../../network/talk.js';
import type { Target } from '../../targets/target.js';
import { killPoint } from '../../util/kill-points.js';
import type { Display, FaultFamily } from '../driver.js';
import { type Announce, type InjectedFault, inPlace, type RevertOutcome } from '../fault.js';
import { NETWORK_SETTLE_MS, runRemoval } from '../netns-undo.js';
import {
  type BatchOutcome,
  batchInput,
  batchOutcome,
  RESTORE_ARGS,
  restoreOf,
  runBatch,
  showBatch,
} from './batch.js';
import { iptablesScan } from './scan.js';
import { revertCreatedTable } from './table-revert.js';

/** An iptables fault on one target: its own chains, jumped to from OUTPUT and/or INPUT. */
export interface IptablesPlan {
  type: 'iptables';
  kind: string;
  sets: IptablesRuleSet[];
}

export type IptablesRecipe = {
  type: 'iptables';
  ipv4: string;
  ipv6: string;
  sets: IptablesRuleSet[];
  /** nf_tables filter tables the fault created, dropped again once empty. */
  createdTables?: ('ipv4' | 'ipv6')[] | undefined;
};

const binaryOf = (family: string) => (family === 'ipv6' ? 'ip6tables' : 'iptables');

function describe(plan: IptablesPlan, target: Target, display: Display) {
  const batches = byFamily(plan.sets);
  const show = (family: Family, lines: string[]) =>
    showBatch(display(target, [restoreOf(binaryOf(family)), ...RESTORE_ARGS]), lines);
  // On nf_tables, a filter table the fault created goes with its rules when it holds nothing else.
  const withTable = (family: Family) =>
    [
      '# instead, where the fault created the nf_tables filter table and it holds only these rules:',
      display(target, [`${binaryOf(family)}-save`, '-t', 'filter']),
      display(target, ['nft', 'delete', 'table', NFT_TABLE[family], 'filter']),
    ].join('\n');
  return {
    actions: batches.map((batch) => show(batch.family, applyBatch(batch.sets))),
    reverts: batches.flatMap((batch) => [
      show(batch.family, revertBatch(batch.sets)),
      withTable(batch.family),
    ]),
  };
}

/** Each rule set's revert commands, with the binary of the recipe's backend and the set's family. */
function removalGroups(recipe: IptablesRecipe): string[][][] {
  return recipe.sets.map((set) =>
    revertCommands(set).map((argv) => [set.family === 'ipv6' ? recipe.ipv6 : recipe.ipv4, ...argv]),
  );
}

function dropCreatedTables(runner: NetnsRunner, target: Target, recipe: IptablesRecipe): Promise<void> {
  const save = { ipv4: `${recipe.ipv4}-save`, ipv6: `${recipe.ipv6}-save` };
  return dropTablesIfEmpty(runner, target, recipe.createdTables ?? [], save).catch(() => undefined);
}

/** Shows `iptables-nft -w 5 -D …` with the arguments quoted as a shell would need them. */
const showQuoted = (argv: readonly string[]) => `${argv[0]!} ${quote(argv.slice(1))}`;

async function inject(
  plan: IptablesPlan,
  target: Target,
  id: string,
  context: NetworkContext,
  announce: Announce,
): Promise<InjectedFault> {
  const batches = byFamily(plan.sets);
  // Where the way in allows it, the backend's first look and the first batch are one process (talk.ts).
  const firstRestore = restoreOf(`${binaryOf(batches[0]?.family ?? 'ipv4')}-nft`);
  const talk = context.detected(target)
    ? undefined
    : await openTalk(context.runner, target, ['iptables-nft-save'], [[firstRestore, ...RESTORE_ARGS]]);
  try {
    return await injectAfterLook(
      plan,
      target,
      id,
      context,
      announce,
      talk && { talk, restore: firstRestore },
    );
  } finally {
    await talk?.end();
  }
}

async function injectAfterLook(
  plan: IptablesPlan,
  target: Target,
  id: string,
  context: NetworkContext,
  announce: Announce,
  looked: { talk: Talk; restore: string } | undefined,
): Promise<InjectedFault> {
  const { backend, filterTable } = await context.firstLook(target, looked?.talk.look);
  let unanswered = looked;
  // The first batch goes to the talk when it is the restore the talk holds (the nf_tables backend).
  const apply = async (binary: string, lines: string[]) => {
    const answering = unanswered;
    unanswered = undefined;
    if (answering?.restore === restoreOf(binary))
      return batchOutcome(answering.restore, lines, await answering.talk.answer(0, batchInput(lines)));
    await answering?.talk.end();
    return runBatch(context.runner, target, binary, lines);
  };
  const recipe: IptablesRecipe = {
    type: 'iptables',
    ipv4: backend.ipv4,
    ipv6: backend.ipv6,
    sets: plan.sets,
    createdTables: await tablesToCreate(context, target, plan, backend, filterTable),
  };
  announce(recipe);
  const applied: IptablesRuleSet[] = [];
  let pending: IptablesRuleSet[] = [];
  try {
    for (const batch of byFamily(plan.sets)) {
      pending = batch.sets;
      const binary = batch.family === 'ipv4' ? backend.ipv4 : backend.ipv6;
      const outcome = await apply(binary, applyBatch(batch.sets));
      if (!outcome.ok) {
        // A refused batch left nothing; one whose fate is unknown (a timeout) is removed with the rest.
        if (outcome.applied === 'none') pending = [];
        throw new NetworkInjectionError(outcome.message);
      }
      applied.push(...pending);
      pending = [];
      killPoint('netns-command-done');
    }
  } catch (error) {
    const partial = { ...recipe, sets: [...applied, ...pending].reverse() };
    await runRemoval(context.runner, target, removalGroups(partial), RULE_GONE, { keepGoing: true });
    await dropCreatedTables(context.runner, target, recipe);
    throw error;
  }
  const revert = () => liveRevert(context.runner, target, recipe);
  const rules = plan.sets.reduce((total, set) => total + set.rules.length, 0);
  return inPlace({
    id,
    kind: plan.kind,
    target,
    injectedAt: new Date(),
    detail: `${rules} ${backend.ipv4.startsWith('iptables-legacy') ? 'iptables-legacy' : 'iptables'} rule(s) in ${plan.sets.map((set) => set.chain).join(', ')}`,
    remedy: removalGroups(recipe)
      .flat()
      .map((argv) => context.runner.display(target, argv))
      .join(' && '),
    revert,
  });
}

/**
 * nf_tables filter tables that are not there yet: the fault creates them, and drops them once empty.
 * The ipv4 one is known from the save output read to detect the backend, when that was just read.
 */
async function tablesToCreate(
  context: NetworkContext,
  target: Target,
  plan: IptablesPlan,
  backend: IptablesBackend,
  ipv4Known: boolean | undefined,
): Promise<('ipv4' | 'ipv6')[]> {
  if (!backend.ipv4.includes('nft')) return [];
  const families = [...new Set(plan.sets.map((set) => set.family))];
  const missing = await Promise.all(
    families.map(async (family) => {
      const exists =
        family === 'ipv4' && ipv4Known !== undefined
          ? ipv4Known
          : await filterTableExists(context.runner, target, family);
      return exists === false ? [family] : [];
    }),
  );
  return missing.flat();
}

/**
 * The run's own revert: one batch per family. A batch is all or nothing, so when one fails (a rule
 * is already gone: the container restarted, or someone removed a chain) its sets are removed command by
 * command instead, every set tried even when one fails, so as little as possible is left. Where the
 * fault created the nf_tables filter table and it still holds the fault's rules and nothing else, the
 * table goes with them in one step (nft-tables.ts).
 */
/** A batch whose run threw: its fate unknown, its sets removed one by one. */
const failed: BatchOutcome = { ok: false, applied: 'unknown', message: 'the batch did not run' };

async function liveRevert(
  runner: NetnsRunner,
  target: Target,
  recipe: IptablesRecipe,
): Promise<RevertOutcome> {
  const left: IptablesRuleSet[] = [];
  const dropped: Family[] = [];
  for (const batch of byFamily(recipe.sets)) {
    const binary = batch.family === 'ipv6' ? recipe.ipv6 : recipe.ipv4;
    const withTable = recipe.createdTables?.includes(batch.family)
      ? await revertCreatedTable(runner, target, batch.family, batch.sets, binary).catch(() => failed)
      : undefined;
    if (withTable === 'dropped') {
      dropped.push(batch.family);
      continue;
    }
    const outcome =
      withTable ?? (await runBatch(runner, target, binary, revertBatch(batch.sets)).catch(() => failed));
    if (!outcome.ok) left.push(...batch.sets);
  }
  const removal = await runRemoval(runner, target, removalGroups({ ...recipe, sets: left }), RULE_GONE, {
    keepGoing: true,
    show: showQuoted,
  });
  if (removal.failures.length > 0) return { status: 'failed', detail: removal.failures.join('; ') };
  const createdTables = recipe.createdTables?.filter((family) => !dropped.includes(family));
  await dropCreatedTables(runner, target, { ...recipe, createdTables });
  if (removal.missing)
    return {
      status: 'target-gone',
      detail: 'its rules were already gone (the container stopped or restarted)',
    };
  return { status: 'reverted', detail: `removed chains ${recipe.sets.map((set) => set.chain).join(', ')}` };
}

/** Rules in the target's own chains: blackhole, reset, dns, partition. */
export const iptablesFamily: FaultFamily<IptablesPlan, IptablesRecipe> = {
  type: 'iptables',
  netns: true,
  describe,
  inject: (plan, target, id, ctx, announce) => inject(plan, target, id, ctx.network(), announce),
  async undo(recipe, target, ctx) {
    const runner = await ctx.runner();
    const removal = await runRemoval(runner, target, removalGroups(recipe), RULE_GONE, { retry: true });
    if (removal.failures.length > 0) return { status: 'failed', detail: removal.failures[0]! };
    if (recipe.createdTables?.length) await dropCreatedTables(runner, target, recipe);
    return removal.removed > 0
      ? { status: 'reverted', detail: 'removed rules' }
      : { status: 'already-reverted', detail: 'nothing of it was left' };
  },
  settleMs: () => NETWORK_SETTLE_MS,
  mayNeed: ['iptables', 'comment', 'reject', 'multiport'],
  settlePollMs: 250,
  features: (plan) => [
    'iptables',
    'comment',
    ...(plan.kind === 'reset' || plan.kind === 'dns' ? (['reject'] as const) : []),
    ...(plan.sets.some((set) => set.rules.some((rule) => rule.includes('multiport')))
      ? (['multiport'] as const)
      : []),
  ],
  scan: iptablesScan,
};
