import { type DockerClient, isNotFound } from '../docker/client.js';
import { revertWith, undoContainer } from '../faults/container-faults.js';
import type { RevertOutcome, RevertRecipe } from '../faults/fault.js';
import { withRetry } from '../faults/retry.js';
import { RULE_GONE, TC_GONE } from '../network/gone.js';
import { revertCommands } from '../network/iptables-plan.js';
import { type NetnsRunner, TargetGoneError } from '../network/netns-runner.js';
import { dropTablesIfEmpty } from '../network/nft-tables.js';
import { ifbName, ingressTeardownCommands, removeRootCommands } from '../network/tc-plan.js';
import type { Target } from '../targets/target.js';
import { sleep } from '../util/sleep.js';
import type { IntentRecord } from './ledger.js';

export interface UndoOptions {
  /**
   * Epoch ms until which a call of the injection may still be in flight, because the run died before
   * it answered (see `inFlightUntil`). Until then the undo keeps watching and undoes again whatever
   * lands late, so a stop that completes after the first look cannot leave the container down.
   */
  inFlightUntil?: number | undefined;
}

/** How long a network command started by a dead run may still land: iptables waits up to 5 s for its lock. */
export const NETWORK_SETTLE_MS = 6000;
const SETTLE_POLL_MS = { container: 100, network: 250 };

/**
 * Until when an announced fault's injection may still be changing its target: never once the ledger
 * records it injected; otherwise its intent's time plus the recipe's settle time.
 */
export function inFlightUntil(intent: IntentRecord, injected: ReadonlySet<string>): number | undefined {
  if (injected.has(intent.faultId)) return undefined;
  const settleMs = intent.revert.type === 'container' ? (intent.revert.settleMs ?? 0) : NETWORK_SETTLE_MS;
  return Date.parse(intent.at) + settleMs;
}

/**
 * Undoes a fault from its recipe alone, without the run that injected it. Idempotent: whatever is
 * already undone is skipped. Network recipes remove everything faultline owns on the devices named
 * (its root qdisc, its ingress redirect and ifb device, its chains), which is right once the run is gone.
 * While a call of the injection may still be in flight, it watches and undoes again until it cannot.
 */
export async function undoRecipe(
  recipe: RevertRecipe,
  target: Target,
  docker: DockerClient,
  runner: () => Promise<NetnsRunner>,
  options: UndoOptions = {},
): Promise<RevertOutcome> {
  const until = options.inFlightUntil ?? 0;
  let outcome = await undoOnce(recipe, target, docker, runner);
  let reverted = outcome.status === 'reverted' ? outcome : undefined;
  while (Date.now() < until && outcome.status !== 'failed' && outcome.status !== 'target-gone') {
    await sleep(
      Math.min(SETTLE_POLL_MS[recipe.type === 'container' ? 'container' : 'network'], until - Date.now()),
    );
    outcome = await undoOnce(recipe, target, docker, runner);
    if (outcome.status === 'reverted') reverted = outcome;
  }
  return outcome.status === 'failed' || outcome.status === 'target-gone' ? outcome : (reverted ?? outcome);
}

async function undoOnce(
  recipe: RevertRecipe,
  target: Target,
  docker: DockerClient,
  runner: () => Promise<NetnsRunner>,
): Promise<RevertOutcome> {
  try {
    if (recipe.type === 'container')
      return await revertWith(() => undoContainer(recipe.action, target, docker));
    const netns = await runner();
    const commands =
      recipe.type === 'iptables'
        ? recipe.sets.flatMap((set) =>
            revertCommands(set).map((argv) => [set.family === 'ipv6' ? recipe.ipv6 : recipe.ipv4, ...argv]),
          )
        : recipe.devices.flatMap(({ device, ingressOf }) =>
            ingressOf
              ? ingressTeardownCommands(ingressOf, device.length > 0 ? device : ifbName(ingressOf))
              : removeRootCommands(device).map((argv) => ['tc', ...argv]),
          );
    const gone = recipe.type === 'iptables' ? RULE_GONE : TC_GONE;
    let removed = 0;
    for (const argv of commands) {
      const result = await withRetry(() => netns.run(target, argv));
      if (result.exitCode === 0) removed++;
      else if (!gone.test(result.stderr))
        return { status: 'failed', detail: `${argv.join(' ')}: ${result.stderr.trim()}` };
    }
    if (recipe.type === 'iptables' && recipe.createdTables?.length) {
      const save = { ipv4: `${recipe.ipv4}-save`, ipv6: `${recipe.ipv6}-save` };
      await dropTablesIfEmpty(netns, target, recipe.createdTables, save).catch(() => undefined);
    }
    return removed > 0
      ? { status: 'reverted', detail: `removed ${recipe.type === 'tc' ? 'qdiscs' : 'rules'}` }
      : { status: 'already-reverted', detail: 'nothing of it was left' };
  } catch (error) {
    if (error instanceof TargetGoneError || isNotFound(error)) {
      return {
        status: 'target-gone',
        detail: 'the container stopped, restarted or was removed: its namespace is gone',
      };
    }
    return { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}
