import { header, headerHas, type MessageHead } from './head.js';

/** How a message's body is delimited. */
export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' };

export class FramingError extends Error {}

/** A request's body: chunked, Content-Length or none (RFC 9112 section 6.3). */
export function requestFraming(head: MessageHead): Framing {
  if (header(head, 'transfer-encoding') !== undefined) {
    if (headerHas(head, 'transfer-encoding', 'chunked')) return { kind: 'chunked' };
    throw new FramingError('a request with a Transfer-Encoding other than chunked');
  }
  return lengthFraming(head) ?? { kind: 'none' };
}

/** A response's body, which also depends on the request's method and the status. */
export function responseFraming(head: MessageHead, method: string): Framing {
  const status = Number(head.start[1]);
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return { kind: 'none' };
  }
  if (method === 'CONNECT' && status >= 200 && status < 300) return { kind: 'none' };
  if (header(head, 'transfer-encoding') !== undefined) {
    return headerHas(head, 'transfer-encoding', 'chunked') ? { kind: 'chunked' } : { kind: 'until-close' };
  }
  return lengthFraming(head) ?? { kind: 'until-close' };
}

function lengthFraming(head: MessageHead): Framing | undefined {
  const value = header(head, 'content-length');
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new FramingError(`a Content-Length that is not a number: ${value}`);
  const length = Number(value);
  return length === 0 ? { kind: 'none' } : { kind: 'length', length };
}

type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

/**
 * Follows one body through the bytes as they arrive, without holding them: `read` says how many of the
 * bytes from `offset` belong to the body and whether it ended there. A chunk-size or trailer line that
 * has not all arrived is left unread (the caller keeps it and offers it again with what follows).
 */
export class BodyReader {
  #remaining = 0;
  #state: ChunkState = 'size';

  constructor(readonly framing: Framing) {
    if (framing.kind === 'length') this.#remaining = framing.length;
  }

  read(buffer: Buffer, offset: number): { used: number; done: boolean } {
    const available = buffer.length - offset;
    switch (this.framing.kind) {
      case 'none':
        return { used: 0, done: true };
      case 'until-close':
        return { used: available, done: false };
      case 'length': {
        const used = Math.min(available, this.#remaining);
        this.#remaining -= used;
        return { used, done: this.#remaining === 0 };
      }
      case 'chunked':
        return this.#readChunked(buffer, offset);
    }
  }

  #readChunked(buffer: Buffer, offset: number): { used: number; done: boolean } {
    let pos = offset;
    while (pos < buffer.length) {
      if (this.#state === 'data' || this.#state === 'data-end') {
        const step = Math.min(this.#remaining, buffer.length - pos);
        pos += step;
        this.#remaining -= step;
        if (this.#remaining > 0) continue;
        if (this.#state === 'data') [this.#state, this.#remaining] = ['data-end', 2];
        else this.#state = 'size';
        continue;
      }
      const newline = buffer.indexOf(10, pos);
      if (newline < 0) {
        if (buffer.length - pos > 8192) throw new FramingError('a chunk-size or trailer line over 8 KiB');
        break;
      }
      const line = buffer.toString('latin1', pos, newline).replace(/\r$/, '');
      pos = newline + 1;
      if (this.#state === 'trailer') {
        if (line === '') return { used: pos - offset, done: true };
        continue;
      }
      const size = Number.parseInt((line.split(';')[0] ?? '').trim(), 16);
      if (!/^[0-9a-fA-F]+$/.test((line.split(';')[0] ?? '').trim()) || Number.isNaN(size)) {
        throw new FramingError(`a chunk size that is not hexadecimal: ${line.slice(0, 20)}`);
      }
      if (size === 0) this.#state = 'trailer';
      else [this.#state, this.#remaining] = ['data', size];
    }
    return { used: pos - offset, done: false };
  }
}
