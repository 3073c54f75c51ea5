import path from 'node:path';
import * as z from 'zod';
import { InvalidInputError } from '../../errors.js';
import { findComposeFile } from '../../init/compose-file.js';
import { writeStarter } from '../../init/write-starter.js';
import { visibleLine } from '../../util/control-chars.js';
import type { CommandContext } from '../program.js';

const initOptions = z.strictObject({
  compose: z.string().min(1).optional(),
  out: z.string().min(1).default('experiments'),
  force: z.boolean().default(false),
});

/** Writes a starter experiment from a compose file. Exit 0 when written, 2 on bad input. */
export async function initCommand(options: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const parsed = initOptions.safeParse(options);
  if (!parsed.success) {
    throw new InvalidInputError('BAD_OPTION', 'faultline init: --compose and --out need a path', {
      hint: 'e.g. `faultline init --compose compose.yaml --out experiments`',
    });
  }
  const { out, force } = parsed.data;
  const composeFile = parsed.data.compose ?? (await findComposeFile('.'));
  const result = await writeStarter(composeFile, out, force);
  const c = ctx.output.colors;
  const print = (line = '') => ctx.output.stdout.write(`${line}\n`);
  for (const file of [result.experiment, result.schema]) {
    const state = result.unchanged.includes(file) ? 'unchanged' : 'wrote';
    print(`${c.green(state.padEnd(9))} ${visibleLine(file)}`);
  }
  const probes = result.facts.services.flatMap((service) => service.ports).length;
  const checks = result.facts.services.filter((service) => service.healthcheck).length;
  print(
    `from ${visibleLine(composeFile)}: ${count(result.facts.services.length, 'service')}, ${count(probes, 'published port')}, ${count(checks, 'healthcheck')}; project ${visibleLine(result.project.plain)}${result.project.from === 'folder' ? ' (the folder name)' : ''}`,
  );
  print(`the one active fault pauses ${visibleLine(result.faulted)} for 5s; the others are commented out`);
  if (result.facts.skipped.length > 0) {
    print(c.yellow('skipped (faultline cannot probe these as written):'));
    for (const line of result.facts.skipped) print(`  ${visibleLine(line)}`);
  }
  const file = quoteArg(result.experiment);
  print();
  print('next:');
  print(`  faultline validate ${file}   # check the file; touches nothing`);
  print(`  faultline plan ${file}       # with the stack up: the targets and every action; changes nothing`);
  print(`  faultline run ${file}        # run it`);
  return 0;
}

/** A path as it can be pasted into a shell. */
function quoteArg(file: string): string {
  const shown = path.normalize(file);
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, "'\\''")}'`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
