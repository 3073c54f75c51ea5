import { visibleLine } from '../util/control-chars.js';
import type { TerminalStream } from '../util/output.js';

export interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Used when the terminal reports no width (0 columns on a pseudo-terminal without a window size). */
const FALLBACK_COLUMNS = 80;
const CLEAR_LINE = '\r\u001b[2K';

/**
 * One status line at the bottom of the terminal, redrawn in place. It never grows past one row (the
 * text is cut to the terminal's width, or 80 columns when the terminal reports none), so redrawing is
 * a carriage return and an erase, whatever the terminal says its size is; it never hides the cursor,
 * so a killed run cannot leave the terminal without one. A stream that has gone away stops it.
 */
export class StatusLine implements Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private shown = false;
  private current: string;

  constructor(
    text: string,
    private readonly stream: TerminalStream,
    private readonly intervalMs = 100,
  ) {
    this.current = visibleLine(text);
  }

  get text(): string {
    return this.current;
  }

  set text(value: string) {
    this.current = visibleLine(value);
    if (this.timer) this.render();
  }

  start(): StatusLine {
    if (this.timer) return this;
    this.render();
    this.timer = setInterval(() => this.render(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): StatusLine {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.write(CLEAR_LINE);
    this.shown = false;
    return this;
  }

  private render(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const columns =
      this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : FALLBACK_COLUMNS;
    this.write(`${CLEAR_LINE}${FRAMES[this.frame]} ${fitWidth(this.current, columns - 3)}`);
    this.shown = true;
  }

  private write(text: string): void {
    if (this.stream.destroyed) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    try {
      this.stream.write(text);
    } catch {
      this.stop();
    }
  }
}

/** The text cut to at most `width` columns (wide characters count as two), with `…` when cut. */
export function fitWidth(text: string, width: number): string {
  const room = Math.max(1, width);
  if (measure(text) <= room) return text;
  let used = 0;
  let out = '';
  for (const char of text) {
    used += measure(char);
    if (used > room - 1) break;
    out += char;
  }
  return `${out}…`;
}

function measure(text: string): number {
  let n = 0;
  for (const char of text) n += (char.codePointAt(0) ?? 0) >= 0x1100 ? 2 : 1;
  return n;
}
