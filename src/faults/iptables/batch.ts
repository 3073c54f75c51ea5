import type { CommandResult, NetnsRunner } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';

/**
 * One iptables-restore run: a batch of rules on stdin, committed as one transaction (all of it or none
 * of it). `--noflush` keeps every rule that is already there; `-w 5` waits for the xtables lock as the
 * single commands do.
 */
export const RESTORE_ARGS = ['-w', '5', '--noflush'] as const;

/** The restore tool of an iptables binary: iptables-nft -> iptables-nft-restore. */
export const restoreOf = (binary: string) => `${binary}-restore`;

export type BatchOutcome =
  | { ok: true }
  | {
      ok: false;
      /** `none`: the tool refused the batch, so nothing of it is in place; `unknown`: it may be. */
      applied: 'none' | 'unknown';
      message: string;
    };

/** "Error occurred at line: 5" (iptables 1.8), "line 5 failed" (a failed COMMIT). */
const FAILED_LINE = /line:? (\d+)/i;
const MISSING = /not found|No such file or directory$|executable file/im;

/** Runs one batch in the target's namespace; a refused batch comes back as data naming its failing line. */
export async function runBatch(
  runner: NetnsRunner,
  target: Target,
  binary: string,
  lines: readonly string[],
): Promise<BatchOutcome> {
  const argv = [restoreOf(binary), ...RESTORE_ARGS];
  return batchOutcome(argv[0]!, lines, await runner.run(target, argv, { input: batchInput(lines) }));
}

/** A batch as the restore tool reads it on stdin. */
export const batchInput = (lines: readonly string[]) => `${lines.join('\n')}\n`;

/** What a restore run of `lines` did, from its result: applied, refused (nothing in place), or unknown. */
export function batchOutcome(tool: string, lines: readonly string[], result: CommandResult): BatchOutcome {
  if (result.exitCode === 0) return { ok: true };
  const refused =
    FAILED_LINE.test(result.stderr) ||
    result.exitCode === 126 ||
    result.exitCode === 127 ||
    MISSING.test(result.stderr);
  return { ok: false, applied: refused ? 'none' : 'unknown', message: batchFailure(tool, lines, result) };
}

/** `iptables-nft-restore failed at line 3 of the batch (-A FL-… -j NOPE): Couldn't load target …` */
export function batchFailure(tool: string, lines: readonly string[], result: CommandResult): string {
  const stderr = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^Error occurred at line|^Try `/.test(line))
    .join('; ');
  const why = stderr || `exit ${result.exitCode}`;
  const number = Number(FAILED_LINE.exec(result.stderr)?.[1]);
  const line = lines[number - 1];
  return line === undefined
    ? `${tool} failed: ${why}`
    : `${tool} failed at line ${number} of the batch (${line}): ${why}`;
}

/** How a batch is shown: the command with its lines as a here-document, to paste into a shell. */
export function showBatch(command: string, lines: readonly string[]): string {
  return [`${command} <<'EOF'`, ...lines, 'EOF'].join('\n');
}
