import net from 'node:net';
import type { Connection } from './connection.js';
import { ErrorReporter, escapeBytes } from './events.js';
import { FaultMatcher } from './http/match.js';
import { HttpSession } from './http/session.js';
import { picks, seededRandom } from './prng.js';
import { TcpSession } from './tcp/session.js';
import type { EventSink, ProxyConfig, ProxyListener } from './types.js';
import { UpstreamDialer } from './upstream.js';

/** One listener: its server socket, the connections through it, and how each one is handled. */
export class Listener {
  readonly #server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
  readonly #connections = new Set<Connection>();
  readonly #errors: ErrorReporter;
  readonly #dialer: UpstreamDialer;
  readonly #random;
  readonly #matcher: FaultMatcher;
  #notHttpReported = false;
  #onEmpty: (() => void) | undefined;

  constructor(
    private readonly config: ProxyListener,
    proxy: ProxyConfig,
    private readonly sink: EventSink,
  ) {
    this.#errors = new ErrorReporter(sink, config.id);
    this.#dialer = new UpstreamDialer(config.upstream, proxy.upstreamSourcePorts);
    this.#random = seededRandom(proxy.seed, config.id);
    this.#matcher = new FaultMatcher(config.http ?? [], this.#random);
    this.#server.on('connection', (socket) => this.#accept(socket));
  }

  get id(): string {
    return this.config.id;
  }

  get active(): number {
    return this.#connections.size;
  }

  /** Binds the listen address; resolves with the port (the one the system chose for port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.config.listen.host, port: this.config.listen.port }, () => {
        this.#server.removeListener('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Refuses new connections at once and lets the others finish; `onEmpty` runs when none is left. */
  drain(onEmpty: () => void): void {
    this.#server.close();
    this.#onEmpty = onEmpty;
    for (const connection of this.#connections) connection.drain();
    if (this.#connections.size === 0) onEmpty();
  }

  /** Closes every connection still open; returns how many there were. */
  closeAll(): number {
    const count = this.#connections.size;
    for (const connection of this.#connections) connection.close();
    return count;
  }

  #accept(client: net.Socket): void {
    const connection = this.#connectionFor(client);
    this.#connections.add(connection);
    let upstream: net.Socket | undefined;
    const ends = { client: false, upstream: false };
    const closed = (side: 'client' | 'upstream') => {
      if (ends[side]) return;
      ends[side] = true;
      if (!ends.client || !ends.upstream) return;
      this.#connections.delete(connection);
      if (this.#connections.size === 0) this.#onEmpty?.();
    };
    client.on('error', () => upstream && !upstream.destroyed && upstream.resetAndDestroy());
    client.once('close', () => {
      if (upstream === undefined) {
        cancel();
        closed('upstream');
      } else upstream.destroySoon();
      closed('client');
    });
    const cancel = this.#dialer.dial(
      (socket) => {
        upstream = socket;
        socket.on('error', () => !client.destroyed && client.resetAndDestroy());
        socket.once('close', () => closed('upstream'));
        if (client.destroyed) socket.destroy();
        else connection.connected(socket);
      },
      (error) => {
        this.#errors.report(
          `cannot connect to ${this.config.upstream.host}:${this.config.upstream.port}: ${error.message}`,
        );
        closed('upstream');
        if (!client.destroyed) client.resetAndDestroy();
      },
    );
  }

  #connectionFor(client: net.Socket): Connection {
    const context = { errors: this.#errors };
    if (this.config.protocol === 'tcp') {
      const toxics = picks(this.#random, this.config.percent) ? (this.config.toxics ?? []) : [];
      return new TcpSession(client, toxics, this.#random);
    }
    return new HttpSession(client, {
      ...context,
      matcher: this.#matcher,
      random: this.#random,
      notHttp: (bytes, from) => {
        if (this.#notHttpReported) return;
        this.#notHttpReported = true;
        this.sink({ event: 'not-http', listener: this.config.id, from, firstBytes: escapeBytes(bytes) });
      },
    });
  }
}
