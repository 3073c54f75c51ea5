import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { completionModel } from '../completion-model.js';
import { bashScript, fishScript, zshScript } from '../completion-scripts.js';
import type { CommandContext } from '../program.js';
import { explainNames } from './explain.js';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;
type Shell = keyof typeof SCRIPTS;

/** Prints the completion script of a shell: commands, options, their fixed values, explain's names, files. */
export async function completionCommand(
  shell: string,
  program: Command,
  ctx: CommandContext,
): Promise<number> {
  const shells = Object.keys(SCRIPTS);
  if (!shells.includes(shell)) {
    throw new InvalidInputError(
      'UNKNOWN_SHELL',
      `completion ${shell}: expected one of ${shells.join(', ')}`,
      {
        hint: 'bash: eval "$(faultline completion bash)"; zsh: source <(faultline completion zsh); fish: faultline completion fish | source',
      },
    );
  }
  ctx.output.stdout.write(SCRIPTS[shell as Shell](completionModel(program, explainNames(), shells)));
  return 0;
}
