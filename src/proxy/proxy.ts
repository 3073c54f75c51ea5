import { Listener } from './listener.js';
import type { EventSink, ProxyConfig } from './types.js';

/** The running proxy: every listener bound, until `stop` drains and closes them. */
export class FaultProxy {
  readonly #listeners: Listener[];
  #stopping: Promise<number> | undefined;

  constructor(
    private readonly config: ProxyConfig,
    private readonly sink: EventSink,
  ) {
    this.#listeners = config.listeners.map((listener) => new Listener(listener, config, sink));
  }

  /** Binds every listener, then reports `ready` with the bound ports. */
  async start(): Promise<{ id: string; port: number }[]> {
    const ports = [];
    for (const listener of this.#listeners) ports.push({ id: listener.id, port: await listener.listen() });
    this.sink({ event: 'ready', pid: process.pid, listeners: ports });
    return ports;
  }

  /**
   * Refuses new connections at once, lets open ones finish for up to `drainMs`, closes the rest and
   * reports `drained` with how many it had to close. Calling it again returns the same promise.
   */
  stop(): Promise<number> {
    this.#stopping ??= new Promise((resolve) => {
      let waiting = this.#listeners.length;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        const closed = this.#listeners.reduce((sum, listener) => sum + listener.closeAll(), 0);
        this.sink({ event: 'drained', closed });
        resolve(closed);
      };
      const deadline = setTimeout(finish, this.config.drainMs);
      if (waiting === 0) return finish();
      for (const listener of this.#listeners) {
        let done = false;
        listener.drain(() => {
          if (done) return;
          done = true;
          if (--waiting === 0) finish();
        });
      }
    });
    return this.#stopping;
  }
}
