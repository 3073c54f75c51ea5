import path from 'node:path';
import { execa } from 'execa';
import { REPO } from '../../support/cli.js';
import { waitFor } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';

/**
 * A client of the patterns stack's key-value store, as a user sees it: plain HTTP to the gateway
 * (one stable address whichever replica leads), and the replicas' containers found by their
 * Compose labels. The stack gets its own project and port, beside a user's own.
 */
export const KV_STACK = { project: 'faultline-patterns-kv', port: '28093' };
const SWITCHES = ['TIMEOUTS', 'RETRIES', 'BREAKER', 'BULKHEAD', 'DEGRADE', 'IDEMPOTENCY', 'ELECTION'];
const ENV: Record<string, string> = {
  FAULTLINE_PATTERNS_PROJECT: KV_STACK.project,
  FAULTLINE_PATTERNS_PORT: KV_STACK.port,
  // Everything follows the mode, whatever the caller's environment says.
  ...Object.fromEntries(
    [...SWITCHES, 'REPLICATION', 'METRICS'].map((name) => [`FAULTLINE_PATTERNS_${name}`, '']),
  ),
};
export const GATEWAY = `http://127.0.0.1:${KV_STACK.port}`;

export async function patternsStack(...args: string[]): Promise<void> {
  const result = await execa('bash', [path.join(REPO, 'fixtures/patterns/stack.sh'), ...args], {
    env: ENV,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`stack.sh ${args.join(' ')} failed:\n${result.all}`);
}

/** The id of a Compose service's container in the test's project (kv-1, kv-2, ...). */
export async function container(service: string): Promise<string> {
  const id = await docker(
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${KV_STACK.project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  );
  if (!id) throw new Error(`no container for ${service} in ${KV_STACK.project}`);
  return id;
}

export interface WriteResult {
  value: string;
  status: number | 'timeout';
  ms: number;
}

/** PUT /kv/<value> with {"value": value} through the gateway; a write that takes over 3 s is a timeout. */
export async function write(value: string): Promise<WriteResult> {
  const started = performance.now();
  try {
    const response = await fetch(`${GATEWAY}/kv/${value}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
      signal: AbortSignal.timeout(3000),
    });
    await response.arrayBuffer();
    return { value, status: response.status, ms: performance.now() - started };
  } catch {
    return { value, status: 'timeout', ms: performance.now() - started };
  }
}

/** Writes `count` values named `${prefix}-<n>`, four at a time. */
export async function writeMany(prefix: string, count: number): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (let first = 0; first < count; first += 4) {
    const batch = Array.from({ length: Math.min(4, count - first) }, (_, i) => `${prefix}-${first + i}`);
    results.push(...(await Promise.all(batch.map(write))));
  }
  return results;
}

export const acknowledged = (results: WriteResult[]) =>
  results.filter((r) => r.status === 200 || r.status === 201).map((r) => r.value);

/** Every value the store holds, read back through the gateway page by page. */
export async function readAll(pageSize = 7): Promise<string[]> {
  const values: string[] = [];
  let after: string | null = '';
  while (after !== null) {
    const url = `${GATEWAY}/kv?limit=${pageSize}&after=${encodeURIComponent(after)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { values: string[]; next: string | null };
    values.push(...page.values);
    after = page.next;
  }
  return values;
}

interface LeaderView {
  leader: string | null;
  ready: boolean;
}

export async function leaderView(): Promise<LeaderView> {
  const response = await fetch(`${GATEWAY}/kv-leader`, { signal: AbortSignal.timeout(3000) });
  return (await response.json()) as LeaderView;
}

export async function waitForLeader(name: string, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  await waitFor(
    `${name} to lead the key-value store`,
    async () => (await leaderView()).leader === name,
    timeoutMs,
  );
  return performance.now() - started;
}

/** One counter's value in a Prometheus text answer (the sample with exactly these labels). */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no sample ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

export async function gatewayMetrics(): Promise<string> {
  const response = await fetch(`${GATEWAY}/metrics`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
  return response.text();
}

/** A replica's own /metrics, read inside its container (the replicas publish no port). */
export async function replicaMetrics(service: string): Promise<string> {
  return docker('exec', await container(service), 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/metrics');
}
