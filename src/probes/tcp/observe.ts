import { connect } from 'node:net';
import type { ProbeSpec } from '../../experiment/schema.js';
import { formatDuration } from '../../util/duration.js';
import type { Observation } from '../observation.js';

type TcpSpec = NonNullable<ProbeSpec['tcp']>;

/** Connects and closes. A refusal or a timeout is an observation (connected: false), not a crash. */
export function observeTcp(spec: TcpSpec, timeoutMs: number, signal: AbortSignal): Promise<Observation> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port });
    const finish = (connected: boolean, error?: string) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      const latencyMs = performance.now() - started;
      resolve(
        error === undefined
          ? { kind: 'tcp', connected, latencyMs }
          : { kind: 'tcp', connected, latencyMs, error },
      );
    };
    const onAbort = () => finish(false, 'cancelled');
    const timer = setTimeout(
      () => finish(false, `no connection within ${formatDuration(timeoutMs)}`),
      timeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(true));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(false, error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)),
    );
  });
}
