import type net from 'node:net';
import type { Connection } from '../connection.js';
import type { Random } from '../prng.js';
import type { TcpToxic } from '../types.js';
import { ToxicPipe, toxicsFor } from './pipe.js';

/**
 * One client connection to a TCP listener. Without toxics (the connection was not picked, or none are
 * set) bytes are piped untouched; otherwise each direction runs through its toxics, `timeout` passes
 * nothing and closes after its time, and `reset-peer` resets both sides after its time.
 */
export class TcpSession implements Connection {
  #upstream: net.Socket | undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly client: net.Socket,
    private readonly toxics: TcpToxic[],
    private readonly random: Random,
  ) {
    client.once('close', () => {
      for (const timer of this.#timers) clearTimeout(timer);
    });
  }

  connected(upstream: net.Socket): void {
    this.#upstream = upstream;
    const { client, toxics } = this;
    for (const toxic of toxics) {
      if (toxic.type === 'reset-peer') this.#after(toxic.afterMs, () => this.#reset());
      if (toxic.type === 'timeout' && toxic.ms > 0) this.#after(toxic.ms, () => this.close());
    }
    if (toxics.some((toxic) => toxic.type === 'timeout')) {
      // Nothing passes; the ends stay open until the timeout (or the fault) ends them.
      client.on('data', () => {});
      upstream.on('data', () => {});
      client.resume();
      return;
    }
    if (toxics.length === 0) {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    this.#shape(client, upstream, 'upstream');
    this.#shape(upstream, client, 'downstream');
    client.resume();
  }

  drain(): void {}

  close(): void {
    this.client.destroy();
    this.#upstream?.destroy();
  }

  #shape(source: net.Socket, dest: net.Socket, direction: 'upstream' | 'downstream'): void {
    const shaped = toxicsFor(this.toxics, direction);
    const pipe = new ToxicPipe(source, dest, shaped, this.random, () => this.#closeAfterLimit());
    source.on('data', (bytes: Buffer) => pipe.push(bytes));
    source.on('end', () => pipe.end());
    dest.once('close', () => pipe.stop());
  }

  /** A data limit was reached: both sides are closed once what was written is out. */
  #closeAfterLimit(): void {
    this.client.end();
    this.#upstream?.end();
    this.#after(1000, () => this.close());
  }

  #reset(): void {
    this.client.resetAndDestroy();
    this.#upstream?.resetAndDestroy();
  }

  #after(ms: number, action: () => void): void {
    this.#timers.push(setTimeout(action, ms));
  }
}
