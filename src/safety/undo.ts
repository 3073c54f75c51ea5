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

/**
 * Undoes a fault from its recipe alone, without the run that injected it. Idempotent: whatever is
 * already undone is skipped. Network recipes remove everything faultline owns on the devices named
 * (its root qdisc, its ingress redirect and ifb device, its chains), which is right once the run is gone.
 */
export async function undoRecipe(
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
