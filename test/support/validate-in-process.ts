import path from 'node:path';
import { PassThrough } from 'node:stream';
import { detectOutput } from '../../src/cli/output.js';
import { createProgram } from '../../src/cli/program.js';

/** Runs `faultline validate` on files of `dir` in this process; its exit code and what it printed. */
export async function validateInProcess(
  dir: string,
  ...files: string[]
): Promise<{ exitCode: number; text: string }> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  let exitCode = -1;
  const output = detectOutput({ NO_COLOR: '1' }, stream as never, stream as never);
  const program = createProgram({
    output,
    env: {},
    interrupt: new AbortController().signal,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  await program.parseAsync(['node', 'faultline', 'validate', ...files.map((file) => path.join(dir, file))]);
  return { exitCode, text };
}
