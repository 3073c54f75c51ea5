import { InvalidInputError } from '../../errors.js';
import { readVarFile, VAR_NAME } from '../../experiment/var-file.js';

/**
 * The values of `--var-file FILE` (each in turn, a later file wins) and then of `--var NAME=VALUE`
 * (which win over every file): they replace the experiment's own `vars` of the same name.
 */
export async function parseVars(options: Record<string, unknown>): Promise<Record<string, string>> {
  const vars: Record<string, string> = Object.create(null);
  for (const file of (options.varFile as string[] | undefined) ?? []) {
    Object.assign(vars, await readVarFile(file));
  }
  for (const value of (options.var as string[] | undefined) ?? []) {
    const match = /^([^=]+)=(.*)$/s.exec(value);
    if (!match || !VAR_NAME.test(match[1]!)) {
      throw new InvalidInputError('BAD_OPTION', `--var ${value}: expected NAME=VALUE`, {
        hint: 'NAME is letters, digits, _ . - (not starting with a digit), e.g. --var base_url=http://localhost:8080',
      });
    }
    vars[match[1]!] = match[2]!;
  }
  return vars;
}
