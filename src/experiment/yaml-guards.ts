import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/**
 * Checks on the YAML document before it becomes data: what the `yaml` package would otherwise turn
 * into a crash, a hang, a loop or a changed object prototype.
 */
export interface NodeProblem {
  offset: number;
  segments: (string | number)[];
  message: string;
}

/** Deeper flow nesting ([ and {) than this is refused before parsing: the parser's cost explodes. */
export const MAX_FLOW_DEPTH = 64;
/** Deeper nesting of any kind is refused: no experiment needs more than a dozen levels. */
export const MAX_DEPTH = 64;

/** Keys never accepted, whatever the mapping: they would reach object prototypes. */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/**
 * Finds the first [ or { nested deeper than MAX_FLOW_DEPTH. A rough scan of the text (comments and
 * quoted strings are skipped) run before the parser, which needs far more time and memory than the
 * file's size for deeply nested flow collections.
 */
export function flowTooDeep(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote) {
      if (char === '\\' && quote === '"') index++;
      else if (char === quote || char === '\n') quote = undefined;
      continue;
    }
    if (char === '#' && (index === 0 || /\s/.test(text[index - 1]!))) {
      const end = text.indexOf('\n', index);
      if (end === -1) break;
      index = end;
    } else if ((char === '"' || char === "'") && (index === 0 || /[\s[{,:]/.test(text[index - 1]!))) {
      quote = char;
    } else if (char === '[' || char === '{') {
      depth++;
      if (depth > MAX_FLOW_DEPTH) return index;
    } else if ((char === ']' || char === '}') && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Duplicate, forbidden and non-text keys, aliases that resolve to nothing or to a value containing them,
 * depth. Keys are compared as the text they become: `1` and `"1"` are the same key.
 */
export function nodeProblems(document: Document): NodeProblem[] {
  const problems: NodeProblem[] = [];
  const ancestors: unknown[] = [];

  const walk = (node: unknown, segments: (string | number)[]): void => {
    if (problems.length >= 20) return;
    if (ancestors.length > MAX_DEPTH) {
      problems.push({
        offset: start(node),
        segments,
        message: `nested more than ${MAX_DEPTH} levels deep; an experiment needs a few`,
      });
      return;
    }
    if (isAlias(node)) {
      const target = node.resolve(document);
      if (target === undefined) {
        problems.push({
          offset: start(node),
          segments,
          message: `YAML alias *${clipName(node.source)} has no anchor &${clipName(node.source)} before it`,
        });
      } else if (ancestors.includes(target)) {
        problems.push({
          offset: start(node),
          segments,
          message: `YAML alias *${clipName(node.source)} refers to a value that contains it (a loop)`,
        });
      }
      return;
    }
    ancestors.push(node);
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) {
          problems.push({
            offset: start(pair.key) || start(node),
            segments,
            message: `expected a key that is text, found ${isAlias(pair.key) ? 'an alias' : isSeq(pair.key) ? 'a list' : 'a mapping'}`,
          });
          continue;
        }
        const key = String(pair.key.value);
        if (seen.has(key)) {
          problems.push({
            offset: start(pair.key),
            segments: [],
            message: 'YAML syntax: Map keys must be unique',
          });
          continue;
        }
        seen.add(key);
        if (FORBIDDEN_KEYS.has(key)) {
          problems.push({
            offset: start(pair.key),
            segments: [...segments, key],
            message: `unknown key "${key}"; it is not accepted anywhere in an experiment`,
          });
          continue;
        }
        walk(pair.value, [...segments, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...segments, index]);
      });
    } else if (isPair(node)) {
      walk(node.value, segments);
    }
    ancestors.pop();
  };

  walk(document.contents, []);
  return problems;
}

function start(node: unknown): number {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : 0;
}

function clipName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 37)}...` : name;
}
