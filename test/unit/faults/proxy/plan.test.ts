import { describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../../src/docker/labels.js';
import { buildPlan, PlanError, type PlannedStep } from '../../../../src/engine/plan.js';
import { parseExperiment } from '../../../../src/experiment/load.js';
import type { ProxyPlan } from '../../../../src/faults/proxy/family.js';
import { FakeDocker } from '../../support/fake-docker.js';

const service = (name: string, svc: string) => ({
  name,
  labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: svc },
});

/** api is 172.18.0.2, db 172.18.0.3 and 172.18.0.4 (two replicas). */
const fleet = () =>
  new FakeDocker([service('shop-api-1', 'api'), service('shop-db-1', 'db'), service('shop-db-2', 'db')]);

const HEAD =
  'title: t\nscope: { compose: shop }\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n';

async function plan(method: string) {
  const docker = fleet();
  const built = await buildPlan(parseExperiment(`${HEAD}${method}`, 'exp.yaml', {}), docker, {
    seed: 1,
    runId: '3f9a1c7e',
  });
  return { built, docker };
}

const faultsOf = (steps: PlannedStep[]) => steps.flatMap((step) => (step.kind === 'fault' ? [step] : []));

describe('planning proxy faults', () => {
  it("inbound: the target's own port is redirected to the proxy, which forwards to its address on its first network", async () => {
    const { built, docker } = await plan(`  - http-abort:
      target: { service: api }
      port: 8080
      status: 503
      match: { method: GET, path: /checkout }
      percent: 50%
      duration: 5s
`);
    expect(docker.calls.map((call) => call.op)).toEqual(['listContainers']);
    const [step] = faultsOf(built.steps);
    expect(step!.label).toBe('http-abort service shop/api (port 8080) for 5s');
    const [injection] = step!.injections;
    expect(injection!.actions).toEqual([
      'start faultline-proxy http 0.0.0.0:28000 -> 172.18.0.2:8080: abort 503 (50% of GET /checkout*) (faultline-proxy 3f9a1c7e http-abort-1)',
      '[shop-api-1] iptables -w 5 -t nat -N FL-3f9a1c7e-http-abort-1-NP',
      '[shop-api-1] iptables -w 5 -t nat -A FL-3f9a1c7e-http-abort-1-NP -p tcp --dport 8080 -j REDIRECT --to-ports 28000',
      '[shop-api-1] iptables -w 5 -t nat -I PREROUTING 1 -m comment --comment faultline run=3f9a1c7e fault=http-abort-1 -j FL-3f9a1c7e-http-abort-1-NP',
      '[shop-api-1] ss -K -t -n -H state established ( sport = :8080 ) and not ( dport >= :30000 and dport <= :32767 )',
    ]);
    expect(injection!.reverts).toEqual([
      '[shop-api-1] iptables -w 5 -t nat -D PREROUTING -m comment --comment faultline run=3f9a1c7e fault=http-abort-1 -j FL-3f9a1c7e-http-abort-1-NP',
      '[shop-api-1] iptables -w 5 -t nat -F FL-3f9a1c7e-http-abort-1-NP',
      '[shop-api-1] iptables -w 5 -t nat -X FL-3f9a1c7e-http-abort-1-NP',
      'stop the proxy: SIGTERM to the process whose command line ends with faultline-proxy 3f9a1c7e http-abort-1 (--via helper: docker stop and rm faultline-proxy-3f9a1c7e-http-abort-1)',
    ]);
    const fault = injection!.fault as ProxyPlan;
    expect(fault.config).toEqual({
      runId: '3f9a1c7e',
      listeners: [
        {
          id: 'http-abort-1',
          listen: { host: '0.0.0.0', port: 28000 },
          upstream: { host: '172.18.0.2', port: 8080 },
          protocol: 'http',
          http: [
            {
              match: { methods: ['GET'], path: '/checkout' },
              percent: 50,
              action: { type: 'abort', status: 503 },
            },
          ],
        },
      ],
      upstreamSourcePorts: { from: 30000, to: 32767 },
      drainMs: 2000,
      seed: expect.any(Number),
    });
  });

  it("outbound: one listener per peer address and port, each fault in its own block of ports, the proxy's own connections exempt", async () => {
    const { built } = await plan(`  - wait: 1s
  - tcp-slicer: { target: { service: api }, to: { service: db }, ports: [5432, 6432], average-size: 64, delay: 1ms }
`);
    const [step] = faultsOf(built.steps);
    expect(step!.label).toBe(
      'tcp-slicer service shop/api (to 172.18.0.3:5432, 172.18.0.3:6432, 172.18.0.4:5432, 172.18.0.4:6432)',
    );
    const fault = step!.injections[0]!.fault as ProxyPlan;
    expect(fault.config.listeners.map((listener) => [listener.listen, listener.upstream])).toEqual([
      [
        { host: '127.0.0.1', port: 28000 },
        { host: '172.18.0.3', port: 5432 },
      ],
      [
        { host: '127.0.0.1', port: 28001 },
        { host: '172.18.0.3', port: 6432 },
      ],
      [
        { host: '127.0.0.1', port: 28002 },
        { host: '172.18.0.4', port: 5432 },
      ],
      [
        { host: '127.0.0.1', port: 28003 },
        { host: '172.18.0.4', port: 6432 },
      ],
    ]);
    expect(fault.config.listeners[0]).toMatchObject({
      protocol: 'tcp',
      percent: 100,
      toxics: [{ type: 'slicer', direction: 'downstream', averageBytes: 64, delayUs: 1000 }],
    });
    expect(fault.sets).toEqual([
      {
        chain: 'FL-3f9a1c7e-tcp-slicer-1-NO',
        hook: 'OUTPUT',
        comment: 'faultline run=3f9a1c7e fault=tcp-slicer-1',
        rules: [
          [
            '-p',
            'tcp',
            '-d',
            '172.18.0.3/32',
            '--dport',
            '5432',
            '!',
            '--sport',
            '30000:32767',
            '-j',
            'REDIRECT',
            '--to-ports',
            '28000',
          ],
          [
            '-p',
            'tcp',
            '-d',
            '172.18.0.3/32',
            '--dport',
            '6432',
            '!',
            '--sport',
            '30000:32767',
            '-j',
            'REDIRECT',
            '--to-ports',
            '28001',
          ],
          [
            '-p',
            'tcp',
            '-d',
            '172.18.0.4/32',
            '--dport',
            '5432',
            '!',
            '--sport',
            '30000:32767',
            '-j',
            'REDIRECT',
            '--to-ports',
            '28002',
          ],
          [
            '-p',
            'tcp',
            '-d',
            '172.18.0.4/32',
            '--dport',
            '6432',
            '!',
            '--sport',
            '30000:32767',
            '-j',
            'REDIRECT',
            '--to-ports',
            '28003',
          ],
        ],
      },
    ]);
  });

  it('gives two faults of a run different ports and chains', async () => {
    const { built } = await plan(`  - tcp-timeout: { target: { service: api }, port: 80, background: true }
  - tcp-timeout: { target: { service: api }, port: 80 }
`);
    const [first, second] = faultsOf(built.steps).map((step) => step.injections[0]!.fault as ProxyPlan);
    expect(first!.config.listeners[0]!.listen.port).toBe(28000);
    expect(second!.config.listeners[0]!.listen.port).toBe(28008);
    expect([first!.sets[0]!.chain, second!.sets[0]!.chain]).toEqual([
      'FL-3f9a1c7e-tcp-timeout-1-NP',
      'FL-3f9a1c7e-tcp-timeout-2-NP',
    ]);
  });

  it('refuses, as a problem of the plan, an address block, an IPv6 peer and more routes than a fault takes', async () => {
    const refused =
      await plan(`  - http-reset: { target: { service: api }, to: { cidr: 10.0.0.0/24 }, ports: 80 }
  - http-reset: { target: { service: api }, to: { cidr: "fd00::5" }, ports: 80 }
  - http-reset: { target: { service: api }, to: { service: db }, ports: [1, 2, 3, 4, 5] }
`).then(
        () => undefined,
        (error: PlanError) => error,
      );
    expect(refused).toBeInstanceOf(PlanError);
    expect(refused!.problems).toEqual([
      'method[0].http-reset: to: 10.0.0.0/24 is an address block; a proxy fault needs single addresses',
      'method[1].http-reset: to: fd00::5: proxy faults reach IPv4 peers only',
      'method[2].http-reset: shop-api-1: 10 routes (peer addresses x ports) through the proxy; one fault takes at most 8: split it into several steps',
    ]);
  });
});
