import http from 'node:http';
import net from 'node:net';
import { buildHelperImage } from '../../../src/platform/docker/helper-image/index.js';
import { docker } from '../../support/docker-cli.js';

/**
 * What the proxy tests measure with, from the host: GETs over keep-alive connections (so each
 * request, not each connection, is faulted) and the time to a server's first byte.
 *
 * nat steers new connections only: a keep-alive connection opened before a fault goes on direct. Each
 * phase of a test therefore opens its connections afresh (`reset`), as a client would after the fault
 * started; within a phase, 4 keep-alive connections carry every request.
 */
export class HttpClient {
  private agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly host: () => string) {}

  reset(): void {
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  destroy(): void {
    this.agent.destroy();
  }

  get(path: string, port = 8080): Promise<{ status: number; ms: number; body: string }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const request = http.get(
        { host: this.host(), port, path, agent: this.agent, timeout: 5000 },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, body }),
          );
        },
      );
      request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
      request.on('error', reject);
    });
  }

  async many(path: string, count: number) {
    const results: Awaited<ReturnType<HttpClient['get']>>[] = [];
    for (let index = 0; index < count; index += 4) {
      results.push(...(await Promise.all([0, 1, 2, 3].slice(0, count - index).map(() => this.get(path)))));
    }
    return results;
  }
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Milliseconds from connecting to `host:port` to its first byte. */
export function firstByteMs(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ host, port });
    socket.setTimeout(5000, () => socket.destroy(new Error('no first byte within 5 s')));
    socket.once('data', () => {
      resolve(performance.now() - started);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/**
 * A helper image with the fault proxy, built offline from this host under a test name (the default
 * image is shared with other test files and may be older); remove it with `docker image rm`.
 */
export async function proxyHelperImage(prefix: string): Promise<string> {
  const image = `faultline-test/nettools:${prefix}`;
  await buildHelperImage({ image, from: 'host', force: true });
  return image;
}

export async function removeImage(image: string): Promise<void> {
  await docker('image', 'rm', '--force', image).catch(() => undefined);
}

/** Names of faultline's containers (any state) in a target's network namespace. */
export async function containersIn(targetId: string): Promise<string[]> {
  const out = await docker(
    'ps',
    '-a',
    '--filter',
    `label=org.faultline.target-id=${targetId}`,
    '--format',
    '{{.Names}}',
  );
  return out.split('\n').filter(Boolean);
}
