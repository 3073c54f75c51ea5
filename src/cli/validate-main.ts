import { validateCommand } from './commands/validate.js';
import { runEntry } from './entry.js';

/**
 * The entry point of `faultline validate FILE…` when every argument after `validate` is a file or
 * folder (bin/bundle-loader.js's validateOnly): no option to read, so no command tree to build. Its
 * bundle (dist/cli/validate.cjs) holds only what validate runs; with any option the command goes
 * through commander in the front bundle, to the same validateCommand. Its output, errors and exit
 * codes are the same either way (test/unit/cli/front-bundle.test.ts compares them).
 */
export async function main(argv: string[]): Promise<void> {
  const files = argv.slice(3);
  await runEntry((output, interrupt) =>
    validateCommand(files, {}, { output, env: process.env, interrupt, setExitCode: () => undefined }),
  );
}
