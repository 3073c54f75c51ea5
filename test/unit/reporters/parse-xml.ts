/**
 * A strict, tiny XML 1.0 reader for tests: it throws on anything that is not well formed (unbalanced
 * or unquoted markup, a bare `&` or `<`, an unknown entity, a character XML forbids) and returns the
 * element tree with attribute values and text decoded as a real parser would.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ILLEGAL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NAME = /^[A-Za-z_:][\w:.-]*/;
const ATTRIBUTE = /^\s+([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/;

export function parseXml(xml: string): XmlElement {
  const illegal = ILLEGAL.exec(xml);
  if (illegal)
    throw new Error(`illegal character U+${illegal[0].charCodeAt(0).toString(16)} at ${illegal.index}`);
  let rest = xml.replace(/^<\?xml[^?]*\?>/, '');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    if (text.includes(']]>')) throw new Error('"]]>" in text');
    const current = stack.at(-1);
    if (current) current.text += decode(text);
    else if (text.trim() !== '') throw new Error(`text outside the root: ${text.slice(0, 40)}`);
    if (lt === -1) break;
    rest = rest.slice(lt);
    if (rest.startsWith('</')) {
      const match = /^<\/([A-Za-z_:][\w:.-]*)\s*>/.exec(rest);
      const open = stack.pop();
      if (!match || !open || open.name !== match[1])
        throw new Error(`unbalanced close tag: ${rest.slice(0, 40)}`);
      rest = rest.slice(match[0].length);
      continue;
    }
    const name = NAME.exec(rest.slice(1));
    if (!name) throw new Error(`bad markup: ${rest.slice(0, 40)}`);
    if (root && stack.length === 0) throw new Error('more than one root element');
    const element: XmlElement = { name: name[0], attributes: {}, children: [], text: '' };
    rest = rest.slice(1 + name[0].length);
    for (let attr = ATTRIBUTE.exec(rest); attr; attr = ATTRIBUTE.exec(rest)) {
      const key = attr[1]!;
      if (key in element.attributes) throw new Error(`duplicate attribute ${key}`);
      // Literal white space in an attribute value is folded to a space; only references survive.
      element.attributes[key] = decode((attr[2] ?? attr[3] ?? '').replace(/[\t\n\r]/g, ' '));
      rest = rest.slice(attr[0].length);
    }
    const end = /^\s*(\/?)>/.exec(rest);
    if (!end) throw new Error(`unterminated tag <${element.name}: ${rest.slice(0, 40)}`);
    rest = rest.slice(end[0].length);
    stack.at(-1)?.children.push(element);
    root ??= element;
    if (end[1] !== '/') stack.push(element);
  }
  if (!root || stack.length > 0) throw new Error('unclosed elements');
  return root;
}

function decode(text: string): string {
  if (text.includes('<')) throw new Error('bare "<"');
  return text.replace(/&([^;\s&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new Error(`bare "&": ${whole}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const code = /^#x([0-9a-fA-F]+)$/.exec(ref)?.[1] ?? /^#([0-9]+)$/.exec(ref)?.[1];
    if (code === undefined) throw new Error(`unknown entity &${ref};`);
    const char = String.fromCodePoint(ref.startsWith('#x') ? Number.parseInt(code, 16) : Number(code));
    if (ILLEGAL.test(char)) throw new Error(`reference to an illegal character &${ref};`);
    return char;
  });
}

/** Every element named `name` below (and including) `element`, in document order. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const own = element.name === name ? [element] : [];
  return [...own, ...element.children.flatMap((child) => findAll(child, name))];
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((candidate) => candidate.name === name);
}
