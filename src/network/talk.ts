import type { Target } from '../targets/target.js';
import type { CommandResult, NetnsRunner } from './netns-runner.js';

/**
 * A look in a target's namespace (iptables-save), and then one follow-up the caller picks from what
 * it saw (iptables-restore with a batch, nft delete table), or none. On the nsenter way both run in
 * one process (conversation.ts); the caller decides between them, and may write the ledger before the
 * follow-up changes anything.
 */
export interface Talk {
  /** What the look printed, and its exit code. */
  readonly look: CommandResult;
  /**
   * Runs follow-up `choice` (an index into the follow-ups given) with `input` on its stdin. Once only;
   * afterwards (or after `end`) commands go through the runner's `run`.
   */
  answer(choice: number, input?: string): Promise<CommandResult>;
  /** Ends the talk without a follow-up. Idempotent; harmless after an answer. */
  end(): Promise<void>;
}

/**
 * A talk where the runner holds one (nsenter), else undefined: the caller then runs the same commands
 * one by one, as it always has. A talk that cannot start (a target gone, no nsenter) is undefined too,
 * so the command the caller runs instead meets the same trouble and reports it as before.
 */
export async function openTalk(
  runner: NetnsRunner,
  target: Target,
  look: readonly string[],
  then: readonly (readonly string[])[],
): Promise<Talk | undefined> {
  if (!runner.talk) return undefined;
  return runner.talk(target, look, then).catch(() => undefined);
}
