import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import {
  acknowledged,
  container,
  gatewayMetrics,
  leaderView,
  patternsStack,
  readAll,
  replicaMetrics,
  sample,
  waitForLeader,
  writeMany,
} from './kv-client.js';

/**
 * The patterns stack's replicated key-value store, through the gateway with plain HTTP, against real
 * containers: resilient (sync replication, CP) refuses the writes it cannot replicate and loses no
 * acknowledged write when the primary is killed; fragile (async, AP) acknowledges during a partition
 * and loses acknowledged writes when the primary is killed. The stack comes up once per mode.
 */
const ERRORS = 'gateway_errors_total{route="/kv/:key"}';
const REQUESTS = 'gateway_requests_total{route="/kv/:key"}';

beforeAll(async () => {
  // `mode` recreates every container: a stack left over from an earlier run starts afresh.
  await patternsStack('mode', 'resilient');
}, 120_000);

afterAll(async () => {
  await patternsStack('down'); // also unpauses what a failed test left paused
}, 60_000);

describe('the key-value store, resilient (sync replication)', () => {
  it('refuses writes while the replica is paused, and loses no acknowledged write when the primary is killed', async () => {
    expect((await leaderView()).leader).toBe('kv-1');
    const before = acknowledged(await writeMany('r-before', 12));
    expect(before).toHaveLength(12);
    const metricsBefore = await gatewayMetrics();

    const replica = await container('kv-2');
    await docker('pause', replica);
    let duringPause: Awaited<ReturnType<typeof writeMany>>;
    try {
      duringPause = await writeMany('r-paused', 8);
    } finally {
      await docker('unpause', replica);
    }
    // Refused (503), promptly: the primary waits ~500 ms for the replica, not the client's timeout.
    expect(duringPause.map((r) => r.status)).toEqual(Array(8).fill(503));
    expect(Math.max(...duringPause.map((r) => r.ms))).toBeLessThan(2000);

    // The gateway counts the refusals as errors of the route; the primary counts them as refused.
    const metricsAfter = await gatewayMetrics();
    expect(sample(metricsAfter, ERRORS) - sample(metricsBefore, ERRORS)).toBe(8);
    expect(sample(metricsAfter, REQUESTS) - sample(metricsBefore, REQUESTS)).toBe(8);
    expect(metricsAfter).toContain('# TYPE gateway_errors_total counter');
    expect(
      sample(await replicaMetrics('kv-1'), 'kv_writes_refused_total{reason="replica unreachable"}'),
    ).toBe(8);

    const after = acknowledged(await writeMany('r-after', 12));
    expect(after).toHaveLength(12);

    await docker('kill', await container('kv-1'));
    const failoverMs = await waitForLeader('kv-2');
    console.log(`resilient: kv-2 leads ${Math.round(failoverMs)} ms after kv-1 was killed`);

    const held = await readAll();
    expect(held.filter((v) => ![...before, ...after].includes(v))).toEqual([]); // nothing refused was kept
    expect([...before, ...after].filter((v) => !held.includes(v))).toEqual([]); // nothing acknowledged lost
    expect(new Set(held).size).toBe(held.length);

    // Alone, kv-2 cannot replicate: it refuses writes (CP) until kv-1 is back and has caught up.
    expect((await writeMany('r-alone', 2)).map((r) => r.status)).toEqual([503, 503]);
    await docker('start', await container('kv-1'));
    await waitFor('kv-1 back in sync', async () => (await leaderView()).ready, 15_000);
    expect(acknowledged(await writeMany('r-back', 4))).toHaveLength(4);
    const kv1 = JSON.parse(
      await docker(
        'exec',
        await container('kv-1'),
        'wget',
        '-q',
        '-O',
        '-',
        'http://127.0.0.1:8080/kv?limit=1000',
      ),
    ) as { values: string[] };
    expect(kv1.values.sort()).toEqual(
      [...before, ...after, 'r-back-0', 'r-back-1', 'r-back-2', 'r-back-3'].sort(),
    );
  });
});

describe('the key-value store, fragile (async replication)', () => {
  beforeAll(async () => {
    await patternsStack('mode', 'fragile');
  }, 120_000);

  it('acknowledges writes during a partition and loses them when the primary is killed', async () => {
    expect((await leaderView()).leader).toBe('kv-1');
    const before = acknowledged(await writeMany('f-before', 12));
    expect(before).toHaveLength(12);
    // Copied in the background, within a batch or two.
    await waitFor(
      'kv-1 to copy every write to kv-2',
      async () => sample(await replicaMetrics('kv-1'), 'kv_unreplicated_writes') === 0,
      10_000,
    );

    const replica = await container('kv-2');
    await docker('pause', replica);
    let duringPartition: Awaited<ReturnType<typeof writeMany>>;
    try {
      duringPartition = await writeMany('f-partition', 12);
      await docker('kill', await container('kv-1'));
    } finally {
      await docker('unpause', replica);
    }
    const acked = acknowledged(duringPartition);
    expect(acked).toHaveLength(12); // available: every write acknowledged while the replica was away

    const failoverMs = await waitForLeader('kv-2');
    console.log(`fragile: kv-2 leads ${Math.round(failoverMs)} ms after kv-1 was killed`);
    const held = await readAll();
    const lost = [...before, ...acked].filter((v) => !held.includes(v));
    console.log(`fragile: ${lost.length} of ${before.length + acked.length} acknowledged writes lost`);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((v) => acked.includes(v))).toBe(true); // what was copied before survived
    expect(before.filter((v) => !held.includes(v))).toEqual([]);
  });
});
