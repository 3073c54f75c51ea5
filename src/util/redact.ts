/**
 * Hides secret values in text by value. A value is registered once (when `${secret:NAME}` is
 * substituted) and replaced by `[secret NAME]` wherever it appears afterwards, in the forms it is
 * likely to be printed in: as is, trimmed, JSON-escaped, URL-encoded, HTML-escaped, and each line of a
 * multi-line value on its own. A password in a URL (`scheme://user:password@host`) is always hidden,
 * declared or not.
 */

/** Shorter values are not hidden: they would match ordinary text everywhere. */
export const MIN_SECRET_LENGTH = 4;

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)([^\s/?#@]+)@/gi;

export class Redactor {
  /** Each form of each value, with the label that replaces it. */
  readonly #forms = new Map<string, string>();
  #pattern: RegExp | undefined;
  /** Short texts repeat (keys, "status 503"): their redacted form is remembered. */
  readonly #seen = new Map<string, string>();

  /** Registers a secret value under its name; returns false when it is too short to be hidden. */
  add(name: string, value: string): boolean {
    if (value.length < MIN_SECRET_LENGTH) return false;
    const label = `[secret ${name}]`;
    for (const form of formsOf(value)) {
      if (form.length >= MIN_SECRET_LENGTH && !this.#forms.has(form)) this.#forms.set(form, label);
    }
    this.#pattern = undefined;
    this.#seen.clear();
    return true;
  }

  get size(): number {
    return this.#forms.size;
  }

  /** The text with every registered value and every password in a URL hidden. */
  redact(text: string): string {
    if (text.length < MIN_SECRET_LENGTH) return text;
    const short = text.length <= 64;
    if (short) {
      const known = this.#seen.get(text);
      if (known !== undefined) return known;
    }
    const out = this.#replace(text);
    if (short) {
      if (this.#seen.size >= 4096) this.#seen.clear();
      this.#seen.set(text, out);
    }
    return out;
  }

  #replace(text: string): string {
    let out = text;
    if (this.#forms.size > 0) {
      this.#pattern ??= new RegExp(
        // Longest first: a whole value is replaced before any of its lines.
        [...this.#forms.keys()]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'g',
      );
      out = out.replace(this.#pattern, (form) => this.#forms.get(form) ?? '***');
    }
    return out.includes('://') ? out.replace(URL_PASSWORD, '$1***@') : out;
  }

  /**
   * The same data with every string redacted (keys too). Plain objects and arrays are copied only
   * where something changed; anything else (numbers, dates, class instances) is left as it is.
   */
  redactDeep<T>(value: T): T {
    return this.#deep(value) as T;
  }

  #deep(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        const next = this.#deep(item);
        if (next !== item) out ??= value.slice(0, index);
        out?.push(next);
      }
      return out ?? value;
    }
    if (!isPlainObject(value)) return value;
    // Copied only from the first change on: most of a run's data (numbers, fixed words) has none.
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      const item = value[key];
      const nextKey = this.redact(key);
      const next = this.#deep(item);
      if (out === undefined && (next !== item || nextKey !== key)) {
        out = {};
        for (const earlier of keys.slice(0, index)) out[earlier] = value[earlier];
      }
      if (out !== undefined) out[nextKey] = next;
    }
    return out ?? value;
  }
}

/**
 * The secrets of this process: filled as experiment files are loaded, applied to everything the CLI
 * prints and every report it writes.
 */
export const secrets = new Redactor();

function formsOf(value: string): Set<string> {
  const bases = new Set([value, value.trim()]);
  for (const line of value.split(/\r?\n|\r/)) bases.add(line.trim());
  const forms = new Set<string>();
  for (const base of bases) {
    if (base.length < MIN_SECRET_LENGTH) continue;
    forms.add(base);
    forms.add(JSON.stringify(base).slice(1, -1));
    forms.add(encodeURIComponent(base));
    forms.add(new URLSearchParams({ v: base }).toString().slice(2));
    forms.add(escapeHtml(base));
  }
  return forms;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
