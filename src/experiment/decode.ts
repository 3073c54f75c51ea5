/**
 * Experiment files are UTF-8 text. Anything else (UTF-16 or UTF-32 with or without a byte order mark,
 * a binary file, Latin-1) is refused with where it goes wrong, and never echoed back.
 */
export type Decoded = { text: string } | { problem: { line: number; column: number; message: string } };

const SAVE_AS = 'save it as UTF-8';

export function decodeExperimentText(bytes: Uint8Array): Decoded {
  const encoding = byteOrderMark(bytes) ?? wideEncoding(bytes);
  if (encoding) {
    return {
      problem: {
        line: 1,
        column: 1,
        message: `the file is not UTF-8 text (looks like ${encoding}): ${SAVE_AS}`,
      },
    };
  }
  const nul = bytes.indexOf(0);
  const invalid = firstInvalidUtf8(bytes);
  const offset = nul === -1 ? invalid : invalid === -1 ? nul : Math.min(nul, invalid);
  if (offset !== -1) {
    const what =
      offset === nul
        ? 'it holds a NUL byte, as binary files do'
        : `byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} is not valid UTF-8, as in Latin-1 or Windows-1252 text`;
    return {
      problem: { ...position(bytes, offset), message: `the file is not UTF-8 text (${what}): ${SAVE_AS}` },
    };
  }
  // A UTF-8 byte order mark is allowed and dropped.
  return { text: new TextDecoder('utf-8').decode(bytes) };
}

function byteOrderMark(bytes: Uint8Array): string | undefined {
  const [a, b, c, d] = bytes;
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return 'UTF-32 LE';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32 BE';
  if (a === 0xff && b === 0xfe) return 'UTF-16 LE';
  if (a === 0xfe && b === 0xff) return 'UTF-16 BE';
  return undefined;
}

/** UTF-16 without a byte order mark: ASCII text with every other byte zero. */
function wideEncoding(bytes: Uint8Array): string | undefined {
  const sample = bytes.subarray(0, 512);
  if (sample.length < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let index = 0; index < sample.length; index++) {
    if (sample[index] === 0) {
      if (index % 2 === 0) evenZero++;
      else oddZero++;
    }
  }
  const half = sample.length / 2;
  if (oddZero > half * 0.6 && evenZero === 0) return 'UTF-16 LE';
  if (evenZero > half * 0.6 && oddZero === 0) return 'UTF-16 BE';
  return undefined;
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    let follow: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) follow = 1;
    else if (lead === 0xe0) [follow, low] = [2, 0xa0];
    else if (lead === 0xed) [follow, high] = [2, 0x9f];
    else if (lead >= 0xe1 && lead <= 0xef) follow = 2;
    else if (lead === 0xf0) [follow, low] = [3, 0x90];
    else if (lead === 0xf4) [follow, high] = [3, 0x8f];
    else if (lead >= 0xf1 && lead <= 0xf3) follow = 3;
    else return index;
    for (let k = 1; k <= follow; k++) {
      const byte = bytes[index + k];
      if (byte === undefined || byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) return index;
    }
    index += follow + 1;
  }
  return -1;
}

/** Line and column (in characters) of a byte offset whose line up to it is valid UTF-8. */
function position(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index++) {
    if (bytes[index] === 0x0a) {
      line++;
      lineStart = index + 1;
    }
  }
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, column: [...before].length + 1 };
}
