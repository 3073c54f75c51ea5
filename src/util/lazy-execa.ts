import type { Options } from 'execa';

/**
 * execa, loaded when a process is first run: the modules that run processes are reachable from the
 * experiment schema (through the fault families), and `validate` or `--help` should not pay for
 * loading execa.
 */
export async function execa<O extends Options>(file: string, args: readonly string[], options: O) {
  const { execa: run } = await import('execa');
  return await run(file, args, options);
}
