import { ExitCode } from '../../errors.js';
import { visibleLine } from '../../util/control-chars.js';
import { printJson } from '../json-output.js';
import { loadSelected } from '../load-experiments.js';
import type { CommandContext } from '../program.js';

/** Checks files without touching Docker. Exit 0 when all are valid, 2 otherwise. */
export async function validateCommand(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const c = ctx.output.colors;
  const { loaded, invalid, skipped } = await loadSelected(inputs, options, ctx.env, ctx.output);
  const exitCode = invalid.length > 0 ? ExitCode.invalid : ExitCode.passed;
  if (options.json) {
    printJson(ctx.output, {
      valid: loaded.map(({ file, experiment }) => ({
        file,
        title: experiment.title,
        tags: experiment.tags ?? [],
      })),
      invalid,
      skipped,
      exitCode,
    });
    return exitCode;
  }
  for (const { file, experiment } of loaded) {
    ctx.output.stdout.write(
      `${c.green('valid')}   ${visibleLine(file)}  ${c.dim(visibleLine(experiment.title))}\n`,
    );
  }
  const total = loaded.length + invalid.length;
  if (total > 1) ctx.output.stdout.write(`${loaded.length} valid, ${invalid.length} invalid\n`);
  return exitCode;
}
