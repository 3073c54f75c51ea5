import { FaultlineError } from '../../errors.js';
import { loadExperimentFile } from '../../experiment/load.js';
import { visible, visibleLine } from '../../util/control-chars.js';
import { expandExperimentFiles } from '../files.js';
import type { CommandContext } from '../program.js';

/** Checks files without touching Docker. Exit 0 when all are valid, 2 otherwise. */
export async function validateCommand(inputs: string[], ctx: CommandContext): Promise<number> {
  const c = ctx.output.colors;
  const files = await expandExperimentFiles(inputs);
  let invalid = 0;
  for (const file of files) {
    try {
      const { experiment } = await loadExperimentFile(file, ctx.env);
      ctx.output.stdout.write(
        `${c.green('valid')}   ${visibleLine(file)}  ${c.dim(visibleLine(experiment.title))}\n`,
      );
    } catch (error) {
      if (!(error instanceof FaultlineError)) throw error;
      invalid++;
      ctx.output.stderr.write(`${c.red('invalid')} ${visible(error.message)}\n`);
    }
  }
  if (files.length > 1) ctx.output.stdout.write(`${files.length - invalid} valid, ${invalid} invalid\n`);
  return invalid > 0 ? 2 : 0;
}
