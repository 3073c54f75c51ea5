import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { freePort } from '../../support/ports.js';

export { freePort };

/** The private Prometheus of fixtures/prometheus, the way the demo and CI start it. */
const SCRIPT = path.resolve('fixtures/prometheus/prometheus.sh');

/**
 * Fails the test file, with what to do, when the prometheus binary is missing: the probe's main paths
 * are never skipped. Call it first in a beforeAll.
 */
export function requirePrometheus(): void {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    throw new Error(
      `These tests need the prometheus binary (\`prometheus --version\`: ${(error as Error).message}): ` +
        'run `bash scripts/setup-prometheus.sh` (scripts/test.sh and CI do).',
    );
  }
}

/**
 * A /metrics endpoint on 127.0.0.1 whose counters the test raises: `demo_requests_total` for two paths,
 * `demo_errors_total` growing at `errorsPerSecond` while `raiseErrors` is on (computed when scraped, so
 * the rate is exact), and `demo_idle_total`, which never moves.
 */
export interface MetricsServer {
  target: string;
  requests: Record<'/a' | '/b', number>;
  errorsPerSecond: number;
  raiseErrors(on: boolean): void;
  close(): Promise<void>;
}

export async function startMetricsServer(): Promise<MetricsServer> {
  let errors = 0;
  let since: number | undefined;
  const errorsNow = () =>
    errors + (since === undefined ? 0 : ((Date.now() - since) / 1000) * metrics.errorsPerSecond);
  const server = http.createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const lines = [
      '# TYPE demo_requests_total counter',
      `demo_requests_total{path="/a"} ${metrics.requests['/a']}`,
      `demo_requests_total{path="/b"} ${metrics.requests['/b']}`,
      '# TYPE demo_errors_total counter',
      `demo_errors_total ${errorsNow()}`,
      '# TYPE demo_idle_total counter',
      'demo_idle_total 3',
      '',
    ];
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const metrics: MetricsServer = {
    target: `127.0.0.1:${address.port}`,
    requests: { '/a': 10, '/b': 250 },
    errorsPerSecond: 100,
    raiseErrors(on) {
      if (on && since === undefined) since = Date.now();
      if (!on && since !== undefined) {
        errors = errorsNow();
        since = undefined;
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return metrics;
}

export interface PrivatePrometheus {
  url: string;
  /** What `prometheus.sh start` printed, with its start-to-ready time. */
  startOutput: string;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: string[]): Promise<PrivatePrometheus> {
  const port = await freePort();
  const parent = await mkdtemp(path.join(tmpdir(), 'fl-prometheus-'));
  const dir = path.join(parent, 'state');
  const env = { FAULTLINE_PROMETHEUS_PORT: String(port), FAULTLINE_PROMETHEUS_DIR: dir };
  const started = await execa('bash', [SCRIPT, 'start', ...targets], { env, reject: false, all: true });
  const stop = async () => {
    const stopped = await execa('bash', [SCRIPT, 'stop'], { env, reject: false, all: true });
    if (stopped.exitCode !== 0) throw new Error(`prometheus.sh stop failed:\n${stopped.all}`);
    await rm(parent, { recursive: true, force: true });
  };
  if (started.exitCode !== 0) {
    await stop();
    throw new Error(`prometheus.sh start failed:\n${started.all}`);
  }
  return { url: `http://127.0.0.1:${port}`, startOutput: started.stdout, stop };
}
