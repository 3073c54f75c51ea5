import type { Output } from './output.js';

/** The one JSON document a `--json` command prints on stdout, two-space indented, ending in a newline. */
export function printJson(output: Output, document: unknown): void {
  output.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
