import { BodyReader, responseFraming } from './body.js';
import { headEnd, keepsAlive, MAX_HEAD_BYTES, parseHead } from './head.js';

/**
 * What answers each request, in request order: the upstream's next response, one of the proxy's, or a
 * reset of the connection once everything before it is written.
 */
export type Pending =
  | { kind: 'local'; bytes: Buffer; close: boolean }
  | { kind: 'reset' }
  | { kind: 'upstream'; method: string; upgrade: boolean; bytesPerSecond: number | undefined };

/** What the response side needs from its connection. */
export interface ResponseSink {
  /** Writes to the client (the connection holds the upstream while the client's buffer is full). */
  write(bytes: Buffer): void;
  /**
   * Ends the client's side after what was written: the upstream ended its side (a half-close, passed
   * on), or the connection is over (Connection: close).
   */
  endClient(upstreamEnded: boolean): void;
  /** The upstream switched protocols (101, or a CONNECT's 2xx): bytes pass untouched from now on. */
  tunnel(rest: Buffer): void;
  /** The upstream answered a request for an Upgrade or CONNECT without switching protocols. */
  declined(): void;
  /** The upstream sent something that is not HTTP/1.x. */
  broken(message: string): void;
  /** Reading from the upstream should stop (true) or go on (false) while a body is paced. */
  holdUpstream(hold: boolean): void;
  /** Nothing is waiting for an answer any more. */
  idle(): void;
  /** Resets the client's connection (RST) once what was written to it is out. */
  reset(): void;
}

const SLICE_MS = 50;

/**
 * The response side of one HTTP connection: reads the upstream's responses as they stream in, passes
 * each to the client in request order, interleaving the proxy's own answers, and paces response bodies
 * under slow-body. Only the bytes of the current read are held, never a whole body.
 */
export class ResponseQueue {
  readonly #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #body: BodyReader | undefined;
  #closeAfter = false;
  #pacing = false;
  #upstreamEnded = false;
  #stopped = false;
  #dead = false;

  constructor(private readonly sink: ResponseSink) {}

  get size(): number {
    return this.#pending.length;
  }

  push(pending: Pending): void {
    this.#pending.push(pending);
    this.pump();
  }

  fromUpstream(bytes: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? bytes : Buffer.concat([this.#buffer, bytes]);
    this.pump();
  }

  upstreamEnded(): void {
    this.#upstreamEnded = true;
    this.pump();
  }

  pump(): void {
    while (!this.#pacing && !this.#stopped) {
      const next = this.#pending[0];
      if (!next) break;
      if (next.kind === 'reset') {
        this.close();
        this.sink.reset();
        return;
      }
      if (next.kind === 'local') {
        this.#pending.shift();
        this.sink.write(next.bytes);
        if (next.close) this.#stop();
        continue;
      }
      if (!this.#body && !this.#readHead(next)) break;
      if (!this.#body || !this.#readBody(next)) break;
    }
    if (this.#stopped || this.#pacing) return;
    if (this.#pending.length === 0 && this.#buffer.length > 0) {
      // Bytes no request asked for (a 408 before a close, say): passed on as they are.
      this.sink.write(this.#buffer);
      this.#buffer = Buffer.alloc(0);
    }
    if (this.#upstreamEnded) this.#stop();
    else if (this.#pending.length === 0) this.sink.idle();
  }

  /** The connection is gone: nothing more is written. */
  close(): void {
    this.#stopped = true;
    this.#dead = true;
  }

  /** Reads the head of the next response; false when it has not all arrived. */
  #readHead(next: Pending & { kind: 'upstream' }): boolean {
    const end = headEnd(this.#buffer);
    if (end < 0) {
      if (this.#buffer.length > MAX_HEAD_BYTES) this.sink.broken('a response head over 64 KiB');
      return false;
    }
    const raw = this.#buffer.subarray(0, end);
    const head = parseHead(raw);
    this.#buffer = this.#buffer.subarray(end);
    if (!head?.start[0].startsWith('HTTP/1.')) {
      this.sink.broken('the upstream answered with something that is not an HTTP/1.x response');
      return false;
    }
    const status = Number(head.start[1]);
    this.sink.write(raw);
    if (status === 101 || (next.method === 'CONNECT' && status >= 200 && status < 300)) {
      this.#stopped = true;
      this.#dead = true;
      this.sink.tunnel(this.#buffer);
      return false;
    }
    if (status >= 100 && status < 200) return true;
    if (next.upgrade) this.sink.declined();
    this.#body = new BodyReader(responseFraming(head, next.method));
    this.#closeAfter = !keepsAlive(head, head.start[0]);
    return true;
  }

  /** Passes on what has arrived of the body; false when it must wait for more (or for pacing). */
  #readBody(next: Pending & { kind: 'upstream' }): boolean {
    const body = this.#body!;
    const { used, done } = body.read(this.#buffer, 0);
    if (used > 0) {
      const chunk = this.#buffer.subarray(0, used);
      this.#buffer = this.#buffer.subarray(used);
      if (next.bytesPerSecond) this.#pace(chunk, next.bytesPerSecond, done);
      else this.sink.write(chunk);
    }
    if (done) {
      this.#body = undefined;
      this.#pending.shift();
      if (this.#closeAfter) this.#stop();
      return true;
    }
    return used > 0 && this.#buffer.length > 0;
  }

  /**
   * Writes `chunk` at `rate` bytes per second, in slices every 50 ms, holding the upstream meanwhile.
   * After the last slice of a body that goes on, the next chunk waits out the slice's 50 ms; after
   * the last slice of the whole body, what follows on the connection goes on at once.
   */
  #pace(chunk: Buffer, rate: number, last: boolean): void {
    this.#pacing = true;
    this.sink.holdUpstream(true);
    const slice = Math.max(1, Math.floor((rate * SLICE_MS) / 1000));
    let offset = 0;
    const step = () => {
      if (this.#dead) return;
      this.sink.write(chunk.subarray(offset, offset + slice));
      offset += slice;
      if (offset < chunk.length) setTimeout(step, SLICE_MS);
      else if (last) setImmediate(() => this.#paced());
      else setTimeout(() => this.#paced(), SLICE_MS);
    };
    step();
  }

  #paced(): void {
    this.#pacing = false;
    if (this.#dead) return;
    this.sink.holdUpstream(false);
    if (this.#stopped) {
      this.#dead = true;
      this.sink.endClient(this.#upstreamEnded);
    } else this.pump();
  }

  /** No more responses: the client's side ends once what was written (and paced) is out. */
  #stop(): void {
    if (this.#dead) return;
    this.#stopped = true;
    if (!this.#pacing) {
      this.#dead = true;
      this.sink.endClient(this.#upstreamEnded);
    }
  }
}
