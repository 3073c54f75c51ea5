import net from 'node:net';

const RETRYABLE = new Set(['EADDRINUSE', 'EADDRNOTAVAIL']);

/**
 * Opens connections to one upstream, each bound to a local port in the source range, so the nat rules
 * that steer traffic to the proxy can exempt the proxy's own connections. Ports are taken in turn; a
 * port in use is skipped.
 */
export class UpstreamDialer {
  #next: number;

  constructor(
    private readonly upstream: { host: string; port: number },
    private readonly range: { from: number; to: number },
  ) {
    this.#next = range.from;
  }

  /**
   * Connects; `onConnect` gets the connected socket, `onError` the last error when no port in the range
   * could connect. The returned function cancels a connection still under way.
   */
  dial(onConnect: (socket: net.Socket) => void, onError: (error: Error) => void): () => void {
    const tries = Math.min(this.range.to - this.range.from + 1, 64);
    let attempts = 0;
    let current: net.Socket | undefined;
    let cancelled = false;
    const attempt = () => {
      const socket = net.connect({
        ...this.upstream,
        localPort: this.#takePort(),
        allowHalfOpen: true,
        noDelay: true,
      });
      current = socket;
      const failed = (error: NodeJS.ErrnoException) => {
        attempts++;
        if (cancelled) return;
        if (error.code && RETRYABLE.has(error.code) && attempts < tries) attempt();
        else onError(error);
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.removeListener('error', failed);
        if (!cancelled) onConnect(socket);
      });
    };
    attempt();
    return () => {
      cancelled = true;
      current?.destroy();
    };
  }

  #takePort(): number {
    const port = this.#next;
    this.#next = port >= this.range.to ? this.range.from : port + 1;
    return port;
  }
}
