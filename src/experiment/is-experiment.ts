import { isMap, isScalar, LineCounter } from 'yaml';
import { decodeExperimentText } from './decode.js';
import { parseYaml } from './parse-yaml.js';
import { readExperimentBytes } from './read-source.js';
import { flowTooDeep } from './yaml-guards.js';

/** Top-level keys only an experiment has: a compose file or a CI config has neither. */
const EXPERIMENT_KEYS = ['method', 'hypothesis'];

/**
 * Whether a file found in a folder is an experiment: its top level is a mapping with a `method` or a
 * `hypothesis` key, or a `$schema` naming faultline's schema. A file that cannot be read or parsed
 * counts as one, so that loading it reports its problem (with file and line) instead of hiding it.
 */
export async function isExperimentFile(file: string): Promise<boolean> {
  let text: string;
  try {
    const decoded = decodeExperimentText(await readExperimentBytes(file));
    if ('problem' in decoded) return true;
    text = decoded.text;
  } catch {
    return true;
  }
  if (flowTooDeep(text) !== undefined) return true;
  const parsed = parseYaml(text, new LineCounter());
  if ('syntaxError' in parsed || parsed.document.errors.length > 0) return true;
  const top = parsed.document.contents;
  if (!isMap(top)) return false;
  return top.items.some((pair) => {
    if (!isScalar(pair.key)) return false;
    const key = String(pair.key.value);
    if (EXPERIMENT_KEYS.includes(key)) return true;
    return key === '$schema' && isScalar(pair.value) && /faultline/i.test(String(pair.value.value));
  });
}
