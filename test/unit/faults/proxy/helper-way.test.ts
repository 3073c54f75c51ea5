import { describe, expect, it } from 'vitest';
import type { HelperSpec } from '../../../../src/docker/client.js';
import {
  FAULTLINE_FAULT_ID,
  FAULTLINE_HELPER,
  FAULTLINE_RUN_ID,
  FAULTLINE_TARGET_ID,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
} from '../../../../src/docker/labels.js';
import type { InjectContext } from '../../../../src/faults/driver.js';
import { type ProxyPlan, type ProxyRecipe, proxyFamily } from '../../../../src/faults/proxy/family.js';
import { natRuleSet } from '../../../../src/faults/proxy/rules.js';
import { NetworkContext } from '../../../../src/network/network-fault.js';
import type { Platform } from '../../../../src/platform/platform.js';
import type { Target } from '../../../../src/targets/target.js';
import { FakeDocker } from '../../support/fake-docker.js';
import { FakeNetnsRunner, ok } from '../../support/fakes.js';

/**
 * Proxy faults through the helper way: the proxy runs in a helper container sharing the target's
 * network namespace (named and labelled before it exists), the nat rules go through the runner, the
 * revert removes the rules before it stops the container, and an undo from the recipe alone removes
 * the container by name and labels.
 */
const IMAGE = 'faultline/nettools:test';
const NAME = 'faultline-proxy-3f9a1c7e-http-abort-1';
const set = natRuleSet({ runId: '3f9a1c7e', faultId: 'http-abort-1' }, 'PREROUTING', [
  ['-p', 'tcp', '--dport', '8080', '-j', 'REDIRECT', '--to-ports', '47000'],
]);
const plan: ProxyPlan = {
  type: 'proxy',
  kind: 'http-abort',
  faultId: 'http-abort-1',
  config: {
    runId: '3f9a1c7e',
    listeners: [
      {
        id: 'http-abort-1',
        listen: { host: '0.0.0.0', port: 47000 },
        upstream: { host: '172.18.0.2', port: 8080 },
        protocol: 'http',
        http: [{ match: {}, percent: 100, action: { type: 'abort', status: 503 } }],
      },
    ],
    upstreamSourcePorts: { from: 30000, to: 32767 },
    drainMs: 2500,
    seed: 1,
  },
  sets: [set],
};
const READY = `${JSON.stringify({ event: 'ready', pid: 1, listeners: [{ id: 'http-abort-1', port: 47000 }] })}\n`;

/** A helper-way run: the Engine with the target, a fake runner that says it is the helper way. */
function helperWay(logs: (spec: HelperSpec) => string = () => READY) {
  const docker = new FakeDocker([{ name: 'shop-api-1', id: 'a1b2c3d4e5f6', labels: {} }]);
  docker.helperLogs = logs;
  docker.imageLabels.set(IMAGE, {
    [HELPER_IMAGE_LABEL]: '1',
    [HELPER_IMAGE_TOOLS_LABEL]: 'tc,ip,ss,iptables,node,faultline-proxy',
  });
  const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
  /** Engine calls made before each iptables command: shows what came first. */
  const seen: string[] = [];
  const runner = new FakeNetnsRunner((argv) => {
    if (argv.some((arg) => arg === '-I' || arg === '-D'))
      seen.push(
        `${argv.includes('-I') ? 'jump added' : 'jump removed'} after ${docker.calls.map((c) => c.op).join(',')}`,
      );
    return ok('');
  });
  Object.defineProperty(runner, 'via', { value: 'helper' });
  Object.defineProperty(runner, 'image', { value: IMAGE });
  const ctx: InjectContext = {
    platform: { engine: docker } as unknown as Platform,
    network: () => new NetworkContext(runner),
  };
  return { docker, runner, ctx, target, seen };
}

describe('a proxy fault through the helper way', () => {
  it('names the container before it exists, starts the proxy in the target namespace, then adds the rules', async () => {
    const { docker, ctx, target, seen } = helperWay();
    const announced: { recipe: ProxyRecipe; engineCalls: number }[] = [];
    const fault = await proxyFamily.inject(plan, target, 'http-abort-1', ctx, (recipe) =>
      announced.push({ recipe: recipe as ProxyRecipe, engineCalls: docker.callsTo('runHelper').length }),
    );
    expect(announced).toHaveLength(1);
    expect(announced[0]!.engineCalls).toBe(0);
    expect(announced[0]!.recipe.container).toEqual({
      name: NAME,
      runId: '3f9a1c7e',
      faultId: 'http-abort-1',
    });
    expect(announced[0]!.recipe.dir).toBeUndefined();

    const [spec] = docker.calls.find((call) => call.op === 'runHelper')!.args as [HelperSpec];
    expect(spec).toMatchObject({
      image: IMAGE,
      name: NAME,
      networkMode: `container:${target.id}`,
      labels: {
        [FAULTLINE_HELPER]: '1',
        [FAULTLINE_RUN_ID]: '3f9a1c7e',
        [FAULTLINE_FAULT_ID]: 'http-abort-1',
        [FAULTLINE_TARGET_ID]: target.id,
      },
    });
    expect(spec.cmd.slice(0, 3)).toEqual(['node', '/opt/faultline/proxy/main.js', '--config-json']);
    expect(JSON.parse(spec.cmd[3]!)).toEqual(plan.config);
    expect(spec.cmd.slice(4)).toEqual(['faultline-proxy', '3f9a1c7e', 'http-abort-1']);
    expect(seen).toEqual([expect.stringMatching(/^jump added after .*runHelper,logs(,|$)/)]);
    expect(fault.detail).toContain(`proxy container ${NAME} on port 47000`);
    expect(fault.remedy).toContain(`docker rm -f ${NAME}`);

    // The live revert: the rules first, then docker stop with the drain time as grace, then removal.
    const outcome = await fault.revert();
    expect(outcome.status).toBe('reverted');
    expect(seen[1]).toBe('jump removed after runHelper,logs');
    const stop = docker.calls.find((call) => call.op === 'stop')!;
    expect(stop).toEqual({ op: 'stop', name: NAME, args: [4] });
    expect(docker.callsTo('remove')).toEqual([NAME]);
    expect((await docker.listContainers({ all: true })).map((c) => c.name)).toEqual(['shop-api-1']);
  });

  it('a proxy that exits before it is ready fails the injection with its last words, and leaves no container or rule', async () => {
    const { docker, runner, ctx, target } = helperWay(
      () => '{"event":"error","message":"cannot listen: EADDRINUSE"}\n',
    );
    docker.helperLogs = () => '{"event":"error","message":"cannot listen: EADDRINUSE"}\n';
    const original = docker.runHelper.bind(docker);
    docker.runHelper = async (spec) => {
      const id = await original(spec);
      docker.setState(spec.name!, 'exited');
      return id;
    };
    const failed = await proxyFamily
      .inject(plan, target, 'http-abort-1', ctx, () => undefined)
      .catch((error: Error) => error);
    expect((failed as Error).message).toContain(
      `the proxy container ${NAME} stopped before it was ready (exit 0): {"event":"error","message":"cannot listen: EADDRINUSE"}`,
    );
    expect(runner.lines().filter((line) => line.includes('-I') || line.includes('-N'))).toEqual([]);
    expect((await docker.listContainers({ all: true })).map((c) => c.name)).toEqual(['shop-api-1']);
  });

  it('refuses a helper image an older faultline built (no proxy in it) before announcing anything', async () => {
    const { docker, runner, ctx, target } = helperWay();
    docker.imageLabels.set(IMAGE, {
      [HELPER_IMAGE_LABEL]: '1',
      [HELPER_IMAGE_TOOLS_LABEL]: 'tc,ip,iptables',
    });
    const announced: unknown[] = [];
    const refused = await proxyFamily
      .inject(plan, target, 'http-abort-1', ctx, (recipe) => announced.push(recipe))
      .catch((error: { code?: string; message: string; hint?: string }) => error);
    expect(refused).toMatchObject({
      code: 'NETNS_UNAVAILABLE',
      message: `the helper image ${IMAGE} was built by an older faultline and has no fault proxy (nothing was injected)`,
    });
    expect((refused as { hint: string }).hint).toContain('`faultline helper-image`');
    expect(announced).toEqual([]);
    expect(docker.callsTo('runHelper')).toEqual([]);
    expect(runner.lines().filter((line) => line.includes('nat'))).toEqual([]);
  });
});

describe('undoing a helper-way proxy fault from its recipe', () => {
  const recipe: ProxyRecipe = {
    type: 'proxy',
    ipv4: 'iptables-nft',
    sets: [set],
    marker: ['faultline-proxy', '3f9a1c7e', 'http-abort-1'],
    container: { name: NAME, runId: '3f9a1c7e', faultId: 'http-abort-1' },
  };
  const labels = {
    [FAULTLINE_HELPER]: '1',
    [FAULTLINE_RUN_ID]: '3f9a1c7e',
    [FAULTLINE_FAULT_ID]: 'http-abort-1',
  };

  it('removes the rules, then the container by name and any other of the fault by labels; again, nothing is left', async () => {
    const { docker, runner, target, seen } = helperWay();
    docker.add({ name: NAME, labels });
    docker.add({ name: 'renamed-proxy', labels });
    docker.add({ name: 'other-fault', labels: { ...labels, [FAULTLINE_FAULT_ID]: 'http-abort-2' } });
    docker.add({
      name: 'not-ours',
      labels: { [FAULTLINE_RUN_ID]: '3f9a1c7e', [FAULTLINE_FAULT_ID]: 'http-abort-1' },
    });
    const undoCtx = { docker, runner: async () => runner };
    const first = await proxyFamily.undo(recipe, target, undoCtx);
    expect(first).toEqual({
      status: 'reverted',
      detail: `removed nat rules; removed proxy container ${NAME}, renamed-proxy`,
    });
    expect(seen[0]).toBe('jump removed after ');
    expect(docker.callsTo('stop')).toEqual([NAME, 'renamed-proxy']);
    expect((await docker.listContainers({ all: true })).map((c) => c.name).sort()).toEqual([
      'not-ours',
      'other-fault',
      'shop-api-1',
    ]);

    runner.answer = () => ({
      exitCode: 1,
      stdout: '',
      stderr: 'iptables: No chain/target/match by that name.',
    });
    const again = await proxyFamily.undo(recipe, target, undoCtx);
    expect(again).toEqual({ status: 'already-reverted', detail: 'nothing of it was left' });
  });

  it('says the undo failed when the Engine refuses to remove the container', async () => {
    const { docker, runner, target } = helperWay();
    docker.add({ name: NAME, labels });
    docker.failOn('remove', NAME);
    const outcome = await proxyFamily.undo(recipe, target, { docker, runner: async () => runner });
    expect(outcome.status).toBe('failed');
    expect(outcome.detail).toContain(
      `could not remove the proxy container ${NAME}: simulated remove failure`,
    );
  });
});
