import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { tempDir } from './cli.js';

/**
 * Wrappers for the network tools faultline runs (tc, iptables-nft, iptables-nft-restore), put first on
 * its PATH. Outside the network namespace named by the environment variable BLOCK_NS a wrapper runs
 * the real tool untouched; inside it, it does what its behaviour says: refuse, or apply and then die.
 * The nsenter way runs the host's tools inside the target's namespace, so this reaches real rules.
 */

/** What a refusing wrapper prints: a real error, without the line number iptables-restore would give. */
export const REFUSED = 'refused by the test: Operation not permitted';

/** Shell lines run inside BLOCK_NS; `real` is the path of the real tool. Ending without exit runs it. */
export type Behaviour = (real: string) => string[];

/** Refuses the command when the shell condition on its arguments holds, e.g. `[ "$1 $2" = "qdisc del" ]`. */
export const refuseWhen =
  (condition: string): Behaviour =>
  () => [`if ${condition}; then`, `  echo "${REFUSED}" >&2`, '  exit 1', 'fi'];

/** Refuses any argument among `flags` (e.g. -D, -F, -X: a delete, a flush, a chain removed). */
export const refuseFlags = (...flags: string[]): Behaviour =>
  refuseWhen(`echo " $* " | grep -q ${flags.map((flag) => `-e " ${flag} "`).join(' ')}`);

/** For a restore tool: refuses a batch on stdin with any line starting with one of `prefixes`. */
export const refuseBatchLines =
  (...prefixes: string[]): Behaviour =>
  (real) => [
    'batch=$(cat)',
    `if printf '%s\\n' "$batch" | grep -q ${prefixes.map((prefix) => `-e '^${prefix}'`).join(' ')}; then`,
    `  echo "${REFUSED}" >&2`,
    '  exit 1',
    'fi',
    `printf '%s\\n' "$batch" | exec ${real} "$@"`,
  ];

/**
 * For a restore tool: commits the batch for real, runs the `after` lines (the real tool's effect can be
 * recorded there), then dies as a process killed mid-way does when run by a shell: exit 137, nothing on
 * stderr, so the caller cannot tell whether the batch went in.
 */
export const applyThenDie =
  (...after: string[]): Behaviour =>
  (real) => [`${real} "$@" || exit $?`, ...after, "sh -c 'kill -9 $$'", 'exit $?'];

/** For a restore tool: commits the batch for real, then is killed itself (SIGKILL), as by the OOM killer. */
export const applyThenKilled =
  (...after: string[]): Behaviour =>
  (real) => [`${real} "$@" || exit $?`, ...after, 'kill -9 $$'];

/** Writes the wrappers into a fresh folder and returns it, to be put first on PATH. */
export async function wrapTools(behaviours: Record<string, Behaviour>): Promise<string> {
  const dir = await tempDir();
  for (const [tool, behaviour] of Object.entries(behaviours)) {
    const real = (await execa('sh', ['-c', `command -v ${tool}`])).stdout.trim();
    const file = path.join(dir, tool);
    await writeFile(
      file,
      [
        '#!/bin/sh',
        'if [ "$(readlink /proc/self/ns/net)" = "$BLOCK_NS" ]; then',
        ...behaviour(real).map((line) => `  ${line}`),
        'fi',
        `exec ${real} "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(file, 0o755);
  }
  return dir;
}

/** The network namespace of a running container, as /proc names it (the value BLOCK_NS wants). */
export async function namespaceOf(pid: string | number): Promise<string> {
  return (await execa('readlink', [`/proc/${pid}/ns/net`])).stdout.trim();
}
