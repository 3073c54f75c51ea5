/**
 * Text from an experiment or a probe (a title, a command's output, an error) must show as written and
 * never steer the terminal that displays it: clear the screen, ring the bell, move the cursor, set a
 * window title, or reorder text. Control characters are shown as escapes instead: `\x1b`, `\x07`,
 * `\u202e`.
 */

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI on some terminals), line and paragraph
// separators, and bidirectional overrides. Tab and line feed are kept or shown as the caller says.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Colour and style sequences (SGR) as chalk writes them, `ESC [ params m`, or any control character. */
const SGR_OR_CONTROL =
  /\u001b\[[0-9;:]*m|[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 0x0a) return '\\n';
  if (code === 0x09) return '\\t';
  if (code === 0x0d) return '\\r';
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

export interface VisibleOptions {
  /** Keep line feeds (default true). Carriage returns are always shown: they would overwrite a line. */
  newlines?: boolean;
  /** Keep tabs (default true). */
  tabs?: boolean;
}

/** `text` with every control character replaced by its visible escape. */
export function visible(text: string, options: VisibleOptions = {}): string {
  const newlines = options.newlines ?? true;
  const tabs = options.tabs ?? true;
  return text.replace(CONTROL, (char) =>
    (char === '\n' && newlines) || (char === '\t' && tabs) ? char : escapeControl(char),
  );
}

/** One line of text: line breaks show as `\n` too, so the text cannot forge a line of output. */
export function visibleLine(text: string): string {
  return visible(text, { newlines: false });
}

/**
 * For whole chunks of terminal output that mix our own styling with text from elsewhere: colour
 * sequences stay, every other control character is shown. Line feeds and tabs stay.
 */
export function visibleKeepingColours(text: string): string {
  return text.replace(SGR_OR_CONTROL, (match) =>
    match.length > 1 || match === '\n' || match === '\t' ? match : escapeControl(match),
  );
}
