import { createDockerClient } from '../src/docker/dockerode-client.js';
import { NetworkContext } from '../src/network/network-fault.js';
import { NsenterRunner } from '../src/network/netns-runner.js';
import { NetworkLab, planInjections, injectAll, probe } from './support/network.js';
import { uniquePrefix } from './support/containers.js';

const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('explore'));
const ctx = new NetworkContext(new NsenterRunner(client));
const go = async (spec: string, f: () => Promise<void>) => {
  const inj = await planInjections(client, lab.experiment(`  - ${spec}`), 'abcd1234');
  console.log('##', spec);
  const faults = await injectAll(ctx, inj); await f(); for (const x of faults) await x.revert();
};
try {
  await lab.start([{ service: 'a' }, { service: 'b' }]);
  const a = lab.get('a'), b = lab.get('b');
  for (const d of ['egress', 'ingress', 'both'])
    await go(`reset: { target: {service: a}, to: {service: b}, direction: ${d} }`, async () => { console.log('a->b', await probe(a.name, [{op:'connect', host: b.ip, port: 8080}])); console.log('b->a', await probe(b.name, [{op:'connect', host: a.ip, port: 8080}])); });
  for (const d of ['egress', 'ingress', 'both'])
    await go(`reset: { target: {service: a}, to: {service: b}, ports: 8080, direction: ${d} }`, async () => { console.log('a->b', await probe(a.name, [{op:'connect', host: b.ip, port: 8080}])); console.log('b->a', await probe(b.name, [{op:'connect', host: a.ip, port: 8080}])); });
} finally {
  await ctx.dispose();
  await lab.remove();
}
