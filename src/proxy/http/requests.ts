import { jittered, type Random } from '../prng.js';
import type { HttpAction } from '../types.js';
import { BodyReader, FramingError, requestFraming } from './body.js';
import { headEnd, header, keepsAlive, MAX_HEAD_BYTES, type MessageHead, parseHead } from './head.js';
import { localResponse } from './local-response.js';
import type { FaultMatcher } from './match.js';
import type { Pending } from './responses.js';

/** What the request side needs from its connection. */
export interface RequestSink {
  /** Writes to the upstream (the connection holds the client while the upstream's buffer is full). */
  forward(bytes: Buffer): void;
  /** Queues what answers a request, in request order (a reset included). */
  expect(pending: Pending): void;
  /** Reading from the client should stop (true) or go on (false). */
  holdClient(hold: boolean): void;
  /** The client has finished sending: end the upstream's side. */
  endUpstream(): void;
  /** The client sent something that cannot be read as HTTP/1.x after a first request. */
  broken(message: string): void;
}

/**
 * The request side of one HTTP connection: reads requests one by one as they stream in, picks each
 * one's fault, and forwards it (and its body, as it arrives) or answers it. A delayed request holds
 * the requests pipelined behind it on the same connection (their answers could not overtake it
 * anyway); it holds nothing else.
 */
export class RequestReader {
  #buffer: Buffer = Buffer.alloc(0);
  #body: BodyReader | undefined;
  #discard = false;
  #waiting = false;
  #raw = false;
  #upgrade = false;
  #ended = false;
  #endSent = false;
  #closed = false;

  constructor(
    private readonly sink: RequestSink,
    private readonly matcher: FaultMatcher,
    private readonly random: Random,
  ) {}

  /** True between requests: nothing half-read, nothing waiting. */
  get idle(): boolean {
    return !this.#body && !this.#waiting && this.#buffer.length === 0;
  }

  fromClient(bytes: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? bytes : Buffer.concat([this.#buffer, bytes]);
    this.process();
  }

  clientEnded(): void {
    this.#ended = true;
    this.process();
  }

  /** The connection is closing: what the client sends from now on is dropped. */
  close(): void {
    this.#closed = true;
    this.#buffer = Buffer.alloc(0);
  }

  process(): void {
    while (!this.#waiting && !this.#closed && this.#buffer.length > 0) {
      if (this.#upgrade && !this.#body) {
        // Until the upstream answers an Upgrade or CONNECT, what follows is not known to be HTTP.
        this.#waiting = true;
        this.sink.holdClient(true);
      } else if (this.#raw) {
        this.#send(this.#buffer);
        this.#buffer = Buffer.alloc(0);
      } else if (this.#body) {
        if (!this.#readBody(this.#body)) break;
      } else if (!this.#readHead()) break;
    }
    if (this.#ended && !this.#waiting && !this.#endSent) {
      this.#endSent = true;
      this.sink.endUpstream();
    }
  }

  #readBody(body: BodyReader): boolean {
    const { used, done } = body.read(this.#buffer, 0);
    if (used > 0 && !this.#discard) this.#send(this.#buffer.subarray(0, used));
    this.#buffer = this.#buffer.subarray(used);
    if (done) this.#body = undefined;
    return done || (used > 0 && this.#buffer.length > 0);
  }

  #readHead(): boolean {
    let start = 0;
    while (this.#buffer[start] === 13 || this.#buffer[start] === 10) start++;
    if (start > 0) this.#buffer = this.#buffer.subarray(start);
    const end = headEnd(this.#buffer);
    if (end < 0) {
      if (this.#buffer.length > MAX_HEAD_BYTES) this.#refuse(431, 'a request head over 64 KiB');
      return false;
    }
    const raw = this.#buffer.subarray(0, end);
    this.#buffer = this.#buffer.subarray(end);
    const head = parseHead(raw);
    if (!head || !/^HTTP\/1\.[01]$/.test(head.start[2])) {
      this.#refuse(400, 'a request that is not HTTP/1.x after an earlier one');
      return false;
    }
    try {
      this.#handle(head, raw, new BodyReader(requestFraming(head)));
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      this.#refuse(400, error.message);
      return false;
    }
    return true;
  }

  #handle(head: MessageHead, raw: Buffer, body: BodyReader): void {
    const action = this.matcher.actionFor(head);
    if (action?.type === 'delay') {
      this.#waiting = true;
      this.sink.holdClient(true);
      setTimeout(
        () => {
          this.#waiting = false;
          this.#pass(head, raw, body, undefined);
          this.sink.holdClient(false);
          this.process();
        },
        jittered(this.random, action.ms, action.jitterMs),
      );
      return;
    }
    if (action?.type === 'reset') {
      // The requests before it on the connection are answered first; then the connection is reset.
      this.close();
      this.sink.expect({ kind: 'reset' });
      return;
    }
    if (action?.type === 'abort') this.#abort(head, body, action);
    else this.#pass(head, raw, body, action?.type === 'slow-body' ? action.bytesPerSecond : undefined);
  }

  #pass(head: MessageHead, raw: Buffer, body: BodyReader, bytesPerSecond: number | undefined): void {
    const method = head.start[0];
    this.#send(raw);
    const upgrade = method === 'CONNECT' || header(head, 'upgrade') !== undefined;
    this.sink.expect({ kind: 'upstream', method, upgrade, bytesPerSecond });
    this.#discard = false;
    this.#body = body.framing.kind === 'none' ? undefined : body;
    this.#upgrade = upgrade;
  }

  /** The upstream switched protocols: from now on the client's bytes pass untouched. */
  upgraded(): void {
    this.#raw = true;
    this.#resumeAfterUpgrade();
  }

  /** The upstream answered the Upgrade or CONNECT without switching: requests go on as before. */
  upgradeDeclined(): void {
    if (this.#upgrade) this.#resumeAfterUpgrade();
  }

  #resumeAfterUpgrade(): void {
    this.#upgrade = false;
    if (this.#waiting) {
      this.#waiting = false;
      this.sink.holdClient(false);
    }
    this.process();
  }

  #abort(head: MessageHead, body: BodyReader, action: HttpAction & { type: 'abort' }): void {
    // A client waiting for 100 Continue may never send the body: answer and close instead.
    const close =
      !keepsAlive(head, head.start[2]) || header(head, 'expect')?.toLowerCase() === '100-continue';
    this.sink.expect({
      kind: 'local',
      bytes: localResponse(action.status, action.body, action.headers, close),
      close,
    });
    this.#discard = true;
    this.#body = body.framing.kind === 'none' ? undefined : body;
    if (close) this.close();
  }

  #refuse(status: number, message: string): void {
    this.sink.expect({
      kind: 'local',
      bytes: localResponse(status, `${message}\n`, undefined, true),
      close: true,
    });
    this.sink.broken(message);
    this.close();
  }

  #send(bytes: Buffer): void {
    this.sink.forward(bytes);
  }
}
