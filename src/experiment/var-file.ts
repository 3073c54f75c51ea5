import { isMap, isScalar, LineCounter } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { decodeExperimentText } from './decode.js';
import { parseYaml } from './parse-yaml.js';
import { readExperimentBytes } from './read-source.js';

export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Reads a `--var-file`: one YAML mapping of variable names to text, numbers or booleans, e.g.
 * `base_url: http://localhost:8080`. Every value is kept as text. A problem names file:line:column.
 */
export async function readVarFile(file: string): Promise<Record<string, string>> {
  const bad = (line: number, column: number, message: string) =>
    new InvalidInputError('BAD_VAR_FILE', `${file}:${line}:${column} ${message}`, {
      hint: 'A var file is a YAML mapping of names to values, e.g. `base_url: http://localhost:8080`.',
    });
  const decoded = decodeExperimentText(await readExperimentBytes(file));
  if ('problem' in decoded) throw bad(decoded.problem.line, decoded.problem.column, decoded.problem.message);
  const lines = new LineCounter();
  const parsed = parseYaml(decoded.text, lines);
  const at = (offset: number) => lines.linePos(offset);
  if ('syntaxError' in parsed) {
    const { line, col } = at(parsed.syntaxError.offset);
    throw bad(line, col, `YAML syntax: ${parsed.syntaxError.message.split('\n')[0]}`);
  }
  const { document } = parsed;
  const first = document.errors[0];
  if (first) {
    const { line, col } = at(first.pos[0]);
    throw bad(line, col, `YAML syntax: ${first.message.split('\n')[0]}`);
  }
  const top = document.contents;
  if (top === null) return {};
  if (!isMap(top)) throw bad(1, 1, 'expected a mapping of variable names to values');
  const vars: Record<string, string> = Object.create(null);
  for (const pair of top.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const keyAt = at(rangeStart(pair.key) ?? 0);
    if (key === undefined || !VAR_NAME.test(key)) {
      throw bad(
        keyAt.line,
        keyAt.col,
        `${key ?? 'this key'}: expected a variable name (letters, digits, _ . -)`,
      );
    }
    const value = pair.value;
    if (!isScalar(value) || value.value === null || typeof value.value === 'object') {
      const valueAt = at(rangeStart(value) ?? keyAt.line);
      throw bad(valueAt.line, valueAt.col, `${key}: expected a text, number or boolean value`);
    }
    vars[key] = String(value.value);
  }
  return vars;
}

function rangeStart(node: unknown): number | undefined {
  return (node as { range?: readonly number[] } | null)?.range?.[0];
}
