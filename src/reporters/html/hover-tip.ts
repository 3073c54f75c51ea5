import { html, type Markup } from './markup.js';
import { CHAR_PX, FONT_PX, num, PLOT_WIDTH, TIMELINE } from './timeline-scale.js';

/**
 * A value shown on hover without a script: the target (a transparent area) reveals, while the pointer is
 * on it, its marks (dots on the lines) and a label. A `<title>` says the same for screen readers and as
 * the browser's own tooltip.
 */
export function hoverTip(area: Markup, marks: Markup, text: string, at: { x: number; y: number }): Markup {
  const width = text.length * CHAR_PX + 10;
  const right = TIMELINE.left + PLOT_WIDTH;
  // Beside the point, on whichever side has room, and never above the panel's top.
  const x = at.x + 8 + width > right ? Math.max(TIMELINE.left, at.x - 8 - width) : at.x + 8;
  const y = Math.max(at.y, FONT_PX + 4);
  return html`<g class="hover">${area}<g class="reveal">${marks}<rect class="tip-bg" x="${num(x)}" y="${num(y - FONT_PX - 3)}" width="${num(width)}" height="${FONT_PX + 8}" rx="3"/><text class="tip" x="${num(x + 5)}" y="${num(y)}">${text}</text></g><title>${text}</title></g>`;
}

/** A generous average advance of the chart's bold (panel title) font. */
export const BOLD_CHAR_PX = 7.2;

/**
 * Text cut to fit `maxPx` at the chart's font: the middle of `flexible` (a URL, a name) gives way first,
 * with an ellipsis, so both ends stay readable. The whole text goes in the element's `<title>`.
 */
export function fitText(
  before: string,
  flexible: string,
  after: string,
  maxPx: number,
  charPx = CHAR_PX,
): string {
  const room = Math.floor(maxPx / charPx) - before.length - after.length;
  if (flexible.length <= room) return `${before}${flexible}${after}`;
  if (room < 8)
    return `${`${before}${flexible}${after}`.slice(0, Math.max(1, Math.floor(maxPx / charPx) - 1))}…`;
  const head = Math.ceil((room - 1) / 2);
  const tail = room - 1 - head;
  return `${before}${flexible.slice(0, head)}…${flexible.slice(flexible.length - tail)}${after}`;
}
