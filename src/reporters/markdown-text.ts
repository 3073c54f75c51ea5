import { visible } from '../util/control-chars.js';

/** Cells in `preformatted` carry Markdown of our own and are not escaped. */
export function table(
  header: string[],
  align: string[],
  rows: string[][],
  preformatted = new Set<number>(),
): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const body = rows.map((row) => line(row.map((cell, i) => (preformatted.has(i) ? cell : tableCell(cell)))));
  return [line(header), line(align), ...body].join('\n');
}

/** Escapes text for a table cell: `|` would end the cell and a line break would end the table. */
export function tableCell(text: string): string {
  return inline(text, '<br>');
}

/**
 * Escapes Markdown and HTML syntax so the text shows as written, on one line. Control characters show
 * as escapes (`\x1b`): a job summary or a report read in a terminal must not be able to steer it.
 */
export function inline(text: string, lineBreak = ' '): string {
  return visible(text.replace(/\r\n?/g, '\n'))
    .replace(/[\\`*_[\]<>|~#&]/g, '\\$&')
    .replace(/\r?\n|\r/g, lineBreak)
    .trim();
}

/** An inline code span that survives backticks in the text. */
export function code(text: string): string {
  const oneLine = visible(text.replace(/\r?\n|\r/g, ' '));
  const longest = Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

export function codeBlock(raw: string): string {
  const text = visible(raw.replace(/\r\n?/g, '\n'));
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text.replace(/\s+$/, '')}\n${fence}`;
}
