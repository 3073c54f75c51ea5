import type { EventSink, ProxyEvent } from './types.js';

/** Prints each event as one JSON line on the given stream (stdout in main.ts). */
export function jsonLineSink(write: (line: string) => void): EventSink {
  return (event: ProxyEvent) => write(`${JSON.stringify(event)}\n`);
}

/** Up to 16 bytes as text: printable ASCII as is, everything else as \xNN (and the backslash as \\). */
export function escapeBytes(bytes: Buffer, max = 16): string {
  let text = '';
  for (const byte of bytes.subarray(0, max)) {
    if (byte === 0x5c) text += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}

/** Reports an error once per listener and message, so a flood of failing connections stays one line. */
export class ErrorReporter {
  readonly #seen = new Set<string>();

  constructor(
    private readonly sink: EventSink,
    private readonly listener: string,
  ) {}

  report(message: string): void {
    if (this.#seen.has(message)) return;
    this.#seen.add(message);
    this.sink({ event: 'error', listener: this.listener, message });
  }
}
