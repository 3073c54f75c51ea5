import { Composer, type Document, type LineCounter, Parser } from 'yaml';

/** More syntax errors than this and the rest of the file is not worth composing (it can take minutes). */
const MAX_SYNTAX_ERRORS = 100;

export type ParsedYaml = { document: Document.Parsed } | { syntaxError: { offset: number; message: string } };

/**
 * Parses one YAML 1.2 document, as the yaml package's parseDocument does, with two differences: a
 * second document is always an error, and a flood of syntax errors stops before the costly compose
 * step. Keys are not checked for uniqueness here (yaml-guards does it in linear time).
 */
export function parseYaml(text: string, lineCounter: LineCounter): ParsedYaml {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const errors = tokens.filter((token) => token.type === 'error');
  if (errors.length > MAX_SYNTAX_ERRORS) {
    const first = errors[0] as { offset: number; message: string };
    return { syntaxError: { offset: first.offset, message: first.message } };
  }
  const composer = new Composer({
    prettyErrors: false,
    uniqueKeys: false,
    // YAML 1.2 whatever a %YAML directive says: no 1.1 merge keys (<<), binary, sets or timestamps.
    schema: 'core',
    merge: false,
    // Warnings (e.g. about keys that are not text) are reported as problems, never printed by the parser.
    logLevel: 'silent',
  });
  let document: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (document) {
      return {
        syntaxError: {
          offset: next.range[0],
          message: 'a second YAML document (after ---); an experiment file holds one',
        },
      };
    }
    document = next;
  }
  return { document: document! };
}
