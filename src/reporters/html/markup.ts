import { toXmlChars } from '../xml-text.js';

/** A fragment of markup built by `html`: interpolating it does not escape it again. */
export class Markup {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type MarkupValue = Markup | string | number | false | null | undefined | readonly MarkupValue[];

/**
 * Builds HTML or SVG. Every interpolated string or number is escaped; only `Markup` made by this
 * function passes through as it is, so a value from a run (a title, a reason, a URL) can never become
 * markup. `false`, `null` and `undefined` render as nothing, arrays as their items in order.
 */
export function html(strings: TemplateStringsArray, ...values: MarkupValue[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/** Joins fragments without a separator. */
export function join(parts: readonly MarkupValue[], separator = ''): Markup {
  return new Markup(parts.map(render).join(separator));
}

function render(value: MarkupValue): string {
  if (value === false || value === null || value === undefined) return '';
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Escapes text for an HTML text node or a double- or single-quoted attribute. Terminal colour codes
 * are dropped and control characters shown as `\xNN`, as in the other reporters.
 */
export function escapeHtml(text: string): string {
  return toXmlChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
