import type net from 'node:net';
import type { Connection, ConnectionContext } from '../connection.js';
import type { Random } from '../prng.js';
import { looksLikeHttp } from './head.js';
import type { FaultMatcher } from './match.js';
import { RequestReader } from './requests.js';
import { ResponseQueue } from './responses.js';

export interface HttpContext extends ConnectionContext {
  matcher: FaultMatcher;
  random: Random;
  /** A connection did not start like HTTP/1.x (reported once per listener). */
  notHttp(firstBytes: Buffer, from: 'client' | 'server'): void;
}

type Mode = 'sniff' | 'http' | 'raw';
const RESET_FLUSH_MS = 1000;
type HoldReason = 'delay' | 'upstreamFull' | 'pacing' | 'clientFull';

/**
 * One client connection to an HTTP listener and its own upstream connection. It starts by sniffing:
 * bytes that start an HTTP/1.x request line make it HTTP (requests faulted one by one); anything else,
 * or the server speaking first, makes it a plain pipe. Resets and half-closes pass through both ways.
 */
export class HttpSession implements Connection {
  #upstream: net.Socket | undefined;
  #mode: Mode = 'sniff';
  #sniffed: Buffer = Buffer.alloc(0);
  #draining = false;
  readonly #hold: Record<HoldReason, boolean> = {
    delay: false,
    upstreamFull: false,
    pacing: false,
    clientFull: false,
  };
  readonly #requests: RequestReader;
  readonly #responses: ResponseQueue;

  constructor(
    private readonly client: net.Socket,
    private readonly context: HttpContext,
  ) {
    this.#requests = new RequestReader(
      {
        forward: (bytes) => this.#toUpstream(bytes),
        expect: (pending) => this.#responses.push(pending),
        holdClient: (hold) => this.#flow('delay', hold),
        endUpstream: () => this.#upstream?.end(),
        broken: (message) => context.errors.report(message),
      },
      context.matcher,
      context.random,
    );
    this.#responses = new ResponseQueue({
      write: (bytes) => this.#toClient(bytes),
      endClient: (upstreamEnded) => (upstreamEnded ? this.client.end() : this.#endClient()),
      tunnel: (rest) => this.#tunnel(rest),
      declined: () => this.#requests.upgradeDeclined(),
      broken: (message) => {
        context.errors.report(message);
        this.close();
      },
      holdUpstream: (hold) => this.#flow('pacing', hold),
      idle: () => this.#closeIfIdle(),
      reset: () => this.#reset(),
    });
  }

  /** Called once the upstream connection is up: bytes start to flow both ways. */
  connected(upstream: net.Socket): void {
    this.#upstream = upstream;
    upstream.on('data', (bytes: Buffer) => this.#fromUpstream(bytes));
    upstream.on('end', () => {
      if (this.#mode === 'http') this.#responses.upstreamEnded();
      else this.client.end();
    });
    this.client.on('data', (bytes: Buffer) => this.#fromClient(bytes));
    this.client.on('end', () => {
      if (this.#mode === 'http') this.#requests.clientEnded();
      else this.#toRaw(undefined)?.end();
    });
    this.client.resume();
  }

  /** Stops at the next gap between requests (now, when idle). */
  drain(): void {
    this.#draining = true;
    if (this.#mode !== 'raw') this.#closeIfIdle();
  }

  close(): void {
    this.#responses.close();
    this.client.destroy();
    this.#upstream?.destroy();
  }

  #fromClient(bytes: Buffer): void {
    if (this.#mode === 'http') this.#requests.fromClient(bytes);
    else if (this.#mode === 'raw') this.#toUpstream(bytes);
    else this.#sniff(bytes);
  }

  #sniff(bytes: Buffer): void {
    this.#sniffed = this.#sniffed.length === 0 ? bytes : Buffer.concat([this.#sniffed, bytes]);
    const verdict = looksLikeHttp(this.#sniffed);
    if (verdict === 'yes') {
      this.#mode = 'http';
      this.#requests.fromClient(this.#sniffed);
    } else if (verdict === 'no') {
      this.#toRaw(this.#sniffed, 'client');
    }
  }

  #fromUpstream(bytes: Buffer): void {
    if (this.#mode === 'http') {
      this.#responses.fromUpstream(bytes);
      return;
    }
    if (this.#mode === 'sniff')
      this.#toRaw(
        this.#sniffed.length > 0 ? this.#sniffed : bytes,
        this.#sniffed.length > 0 ? 'client' : 'server',
      );
    this.#toClient(bytes);
  }

  /** Not HTTP: reports it and passes what was held on; returns the upstream socket. */
  #toRaw(firstBytes: Buffer | undefined, from: 'client' | 'server' = 'client'): net.Socket | undefined {
    if (this.#mode === 'sniff') {
      this.#mode = 'raw';
      this.context.notHttp(firstBytes ?? this.#sniffed, from);
      if (this.#sniffed.length > 0) this.#toUpstream(this.#sniffed);
    }
    return this.#upstream;
  }

  #tunnel(rest: Buffer): void {
    this.#mode = 'raw';
    if (rest.length > 0) this.#toClient(rest);
    this.#requests.upgraded();
  }

  #toUpstream(bytes: Buffer): void {
    const upstream = this.#upstream;
    if (!upstream || upstream.destroyed) return;
    if (!upstream.write(bytes) && !this.#hold.upstreamFull) {
      this.#flow('upstreamFull', true);
      upstream.once('drain', () => this.#flow('upstreamFull', false));
    }
  }

  #toClient(bytes: Buffer): void {
    if (this.client.destroyed) return;
    if (!this.client.write(bytes) && !this.#hold.clientFull) {
      this.#flow('clientFull', true);
      this.client.once('drain', () => this.#flow('clientFull', false));
    }
  }

  /** Pauses the client while a delay or a full upstream holds it, the upstream while pacing or a full client. */
  #flow(reason: HoldReason, hold: boolean): void {
    this.#hold[reason] = hold;
    const { delay, upstreamFull, pacing, clientFull } = this.#hold;
    if (delay || upstreamFull) this.client.pause();
    else this.client.resume();
    if (pacing || clientFull) this.#upstream?.pause();
    else this.#upstream?.resume();
  }

  #endClient(): void {
    this.#requests.close();
    if (!this.client.destroyed) this.client.end();
    // With the client's side over, nothing more can be asked of the upstream.
    this.#upstream?.end();
  }

  #closeIfIdle(): void {
    if (!this.#draining || !this.#requests.idle || this.#responses.size > 0) return;
    this.#endClient();
  }

  /**
   * Resets the client's connection after the answers already written to it are handed to the
   * system (a reset drops what is still queued), or after RESET_FLUSH_MS when the client reads none.
   */
  #reset(): void {
    this.#responses.close();
    this.#requests.close();
    this.#upstream?.destroy();
    const reset = () => {
      clearTimeout(timer);
      if (!this.client.destroyed) this.client.resetAndDestroy();
    };
    const timer = setTimeout(reset, RESET_FLUSH_MS);
    if (this.client.destroyed || this.client.writableLength === 0) reset();
    else this.client.write(Buffer.alloc(0), reset);
  }
}
