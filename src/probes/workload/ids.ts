import { randomBytes } from 'node:crypto';

const PLACEHOLDER = '${id}';

/**
 * A prefix of its own for each run, so two runs against the same store never write the same value:
 * `fl` and 8 random hex digits (4 billion runs before two may collide), e.g. `fl3a9c0e1b`. Letters
 * and digits only, so an id needs no escaping in a URL, a shell word, a file name or a SQL string.
 */
export function newRunPrefix(): string {
  return `fl${randomBytes(4).toString('hex')}`;
}

/** Write `seq`'s id: `<prefix>-<seq>`. */
export function writeId(prefix: string, seq: number): string {
  return `${prefix}-${seq}`;
}

/** The write a value names, when it is an id of this run (`<prefix>-<digits>`, nothing around it). */
export function seqOf(prefix: string, value: string): number | undefined {
  if (!value.startsWith(`${prefix}-`)) return undefined;
  const rest = value.slice(prefix.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** Whether a value carries this run's prefix (an id of ours, or something that looks like one). */
export function hasPrefix(prefix: string, value: string): boolean {
  return value.startsWith(`${prefix}-`);
}

/** Whether `${id}` appears anywhere in the text. */
export function mentionsId(text: string): boolean {
  return text.includes(PLACEHOLDER);
}

/** `${id}` replaced by the id, as it is. */
export function withId(text: string, id: string): string {
  return text.split(PLACEHOLDER).join(id);
}

/** `${id}` replaced by the id URL-encoded, for a URL's path or query. */
export function urlWithId(url: string, id: string): string {
  return withId(url, encodeURIComponent(id));
}

/** Every string value of a JSON body with `${id}` replaced, at any depth; keys and other values stay. */
export function bodyWithId(body: unknown, id: string): unknown {
  if (typeof body === 'string') return withId(body, id);
  if (Array.isArray(body)) return body.map((item) => bodyWithId(item, id));
  if (body !== null && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, bodyWithId(value, id)]));
  }
  return body;
}

/** Every argument with `${id}` replaced; an argument stays one argument, whatever the id holds. */
export function argvWithId(argv: readonly string[], id: string): string[] {
  return argv.map((arg) => withId(arg, id));
}
