import type { NetnsRunner } from '../network/netns-runner.js';
import { TargetGoneError } from '../network/netns-runner.js';
import type { Target } from '../targets/target.js';
import { withRetry } from './retry.js';

/** How long a network command started by a dead run may still land: iptables waits up to 5 s for its lock. */
export const NETWORK_SETTLE_MS = 6000;

export interface Removal {
  /** Commands that removed something. */
  removed: number;
  /** Something was already gone: a delete found nothing, or the namespace itself went away. */
  missing: boolean;
  failures: string[];
}

export interface RemovalOptions {
  /** Retries a command whose exec failed for a passing reason (the undo of a dead run's fault). */
  retry?: boolean;
  /** Goes on with the next group after a failure (a live revert), rather than stopping at the first. */
  keepGoing?: boolean;
  /** How a failed command is named in the failure. */
  show?: (argv: readonly string[]) => string;
}

/**
 * Runs the commands that take a network fault away, group by group (a group's commands depend on each
 * other: a jump before its chain), in the target's namespace. A delete that finds nothing (`gone`) is
 * no failure: the fault, or the namespace, is already gone. The live revert and the undo from a recipe
 * both remove through here.
 */
export async function runRemoval(
  runner: NetnsRunner,
  target: Target,
  groups: readonly (readonly string[][])[],
  gone: RegExp,
  options: RemovalOptions = {},
): Promise<Removal> {
  const show = options.show ?? ((argv: readonly string[]) => argv.join(' '));
  const removal: Removal = { removed: 0, missing: false, failures: [] };
  for (const group of groups) {
    try {
      for (const argv of group) {
        const result = await (options.retry
          ? withRetry(() => runner.run(target, argv))
          : runner.run(target, argv));
        if (result.exitCode === 0) removal.removed++;
        else if (gone.test(result.stderr)) removal.missing = true;
        else {
          removal.failures.push(`${show(argv)}: ${result.stderr.trim()}`);
          break;
        }
      }
    } catch (error) {
      if (!options.keepGoing) throw error;
      if (error instanceof TargetGoneError) removal.missing = true;
      else removal.failures.push(error instanceof Error ? error.message : String(error));
    }
    if (removal.failures.length > 0 && !options.keepGoing) break;
  }
  return removal;
}
