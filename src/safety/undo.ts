import type { DockerClient } from '../docker/client.js';
import { isNotFound } from '../docker/client.js';
import type { FamilyRecipe, FaultFamily, UndoContext } from '../faults/driver.js';
import type { RevertOutcome } from '../faults/fault.js';
import { knownFamilyOf } from '../faults/registry.js';
import { type NetnsRunner, TargetGoneError } from '../network/netns-runner.js';
import type { Target } from '../targets/target.js';
import { sleep } from '../util/sleep.js';
import type { IntentRecord } from './ledger.js';

export { NETWORK_SETTLE_MS } from '../faults/netns-undo.js';

export interface UndoOptions {
  /**
   * Epoch ms until which a call of the injection may still be in flight, because the run died before
   * it answered (see `inFlightUntil`). Until then the undo keeps watching and undoes again whatever
   * lands late, so a stop that completes after the first look cannot leave the container down.
   */
  inFlightUntil?: number | undefined;
}

/**
 * Until when an announced fault's injection may still be changing its target: never once the ledger
 * records it injected; otherwise its intent's time plus the recipe's settle time.
 */
export function inFlightUntil(intent: IntentRecord, injected: ReadonlySet<string>): number | undefined {
  if (injected.has(intent.faultId)) return undefined;
  const family = knownFamilyOf(intent.revert);
  return family ? Date.parse(intent.at) + family.settleMs(intent.revert) : undefined;
}

/**
 * Undoes a fault from its recipe alone, without the run that injected it, with the undo of the family
 * that wrote the recipe. Idempotent: whatever is already undone is skipped. While a call of the
 * injection may still be in flight, it watches and undoes again until it cannot.
 */
export async function undoRecipe(
  recipe: FamilyRecipe,
  target: Target,
  docker: DockerClient,
  runner: () => Promise<NetnsRunner>,
  options: UndoOptions = {},
): Promise<RevertOutcome> {
  const family = knownFamilyOf(recipe);
  if (!family) {
    return {
      status: 'failed',
      detail: `this faultline knows no fault of type "${recipe.type}", so it cannot undo it: run \`faultline recover\` with the version that wrote the ledger`,
    };
  }
  const ctx: UndoContext = { docker, runner };
  const until = options.inFlightUntil ?? 0;
  let outcome = await undoOnce(family, recipe, target, ctx);
  let reverted = outcome.status === 'reverted' ? outcome : undefined;
  while (Date.now() < until && outcome.status !== 'failed' && outcome.status !== 'target-gone') {
    await sleep(Math.min(family.settlePollMs, until - Date.now()));
    outcome = await undoOnce(family, recipe, target, ctx);
    if (outcome.status === 'reverted') reverted = outcome;
  }
  return outcome.status === 'failed' || outcome.status === 'target-gone' ? outcome : (reverted ?? outcome);
}

async function undoOnce(
  family: FaultFamily,
  recipe: FamilyRecipe,
  target: Target,
  ctx: UndoContext,
): Promise<RevertOutcome> {
  try {
    return await family.undo(recipe, target, ctx);
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
