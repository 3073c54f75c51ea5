/** Reads a value by a simple JSON path: `$.items[0].id`, `$.ok`, `items[0]`, `$['odd key']`. */
export function readJsonPath(value: unknown, path: string): { found: boolean; value: unknown } {
  const segments = parseJsonPath(path);
  if (!segments) return { found: false, value: undefined };
  let current: unknown = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return { found: false, value: undefined };
    const record = current as Record<string | number, unknown>;
    if (!(segment in record)) return { found: false, value: undefined };
    current = record[segment];
  }
  return { found: true, value: current };
}

const TOKEN = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

export function parseJsonPath(path: string): (string | number)[] | undefined {
  let text = path.trim();
  if (text.startsWith('$')) text = text.slice(1);
  if (text !== '' && !text.startsWith('.') && !text.startsWith('[')) text = `.${text}`;
  const segments: (string | number)[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const match = TOKEN.exec(text);
    if (!match) return undefined;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push((match[3] ?? match[4])!);
  }
  return segments;
}
