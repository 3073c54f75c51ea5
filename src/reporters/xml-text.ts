/** Text for XML 1.0 documents (the JUnit report, and the HTML page, which escapes the same way). */

// Terminal colour sequences from command output: noise in a report. Other sequences (clear the
// screen, move the cursor) are not dropped but shown, as `\x1b[2J`, like any control character.
const ANSI = /\u001b\[[0-9;:]*m/g;
// Characters XML 1.0 forbids: C0 controls other than tab, LF, CR; U+FFFE, U+FFFF; unpaired surrogates.
// DEL and the C1 controls are allowed but steer a terminal that shows the file (U+009B opens a
// control sequence), so they are shown as escapes too.
const ILLEGAL_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const ILLEGAL_OTHER =
  /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Makes any string legal XML 1.0 character data: controls become visible `\xNN`, the rest U+FFFD. Colour sequences are dropped. */
export function toXmlChars(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(ILLEGAL_CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(ILLEGAL_OTHER, '\ufffd');
}

export function escapeText(text: string): string {
  return toXmlChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Line breaks and tabs are written as references so that parsers keep them instead of folding them. */
export function escapeAttribute(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}
