import { createDockerClient } from '../src/docker/dockerode-client.js';
import { NetworkContext } from '../src/network/network-fault.js';
import { NsenterRunner } from '../src/network/netns-runner.js';
import { NetworkLab, planInjections, injectAll, netnsState, probe, tcp, nsenterOk, udpReceived, bitsPerSecond } from './support/network.js';
import { uniquePrefix } from './support/containers.js';

const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('explore'));
const ctx = new NetworkContext(new NsenterRunner(client));
const go = async (spec: string, f: () => Promise<void>) => {
  const inj = await planInjections(client, lab.experiment(`  - ${spec}`), 'abcd1234');
  console.log('##', spec, inj.map(i => i.actions).flat().filter(x => x.includes('-A ')));
  try { const faults = await injectAll(ctx, inj); await f(); for (const x of faults) console.log(await x.revert()); } catch (e) { console.log('ERR', (e as Error).message); }
};
try {
  await lab.start([{ service: 'a' }, { service: 'b' }, { service: 'c' }]);
  const a = lab.get('a'), b = lab.get('b'), c = lab.get('c');
  await go(`reset: { target: {service: a}, to: {service: b} }`, async () => { console.log(await probe(a.name, [{op:'connect', host: b.ip, port: 8080}, {op:'connect', host: b.ip, port: 9090}, {op:'connect', host: c.ip, port: 8080}])); console.log(await probe(b.name, [{op:'connect', host: a.ip, port: 8080}])); });
  await go(`reset: { target: {service: a}, ports: 9090 }`, async () => { console.log(await probe(a.name, [{op:'connect', host: b.ip, port: 8080}, {op:'connect', host: b.ip, port: 9090}])); console.log(await probe(b.name, [{op:'connect', host: a.ip, port: 9090}, {op:'connect', host: a.ip, port: 8080}])); });
  await go(`dns: { target: {service: a} }`, async () => { console.log(await probe(a.name, [{op:'lookup', name: b.name}, {op:'connect', host: b.ip, port: 8080}])); console.log(await probe(b.name, [{op:'lookup', name: a.name}])); });
  console.log(await probe(a.name, [{op:'lookup', name: b.name}]));
  await go(`blackhole: { target: {service: a}, to: {service: b}, direction: ingress }`, async () => {
    await probe(a.name, [{op:'udp', host: b.ip, message: 'egress-from-a'}]);
    await probe(b.name, [{op:'udp', host: a.ip, message: 'ingress-to-a'}]);
    console.log(await udpReceived(a.name), await udpReceived(b.name));
  });
  await go(`blackhole: { target: {service: a}, to: {cidr: "${b.ip.split('.').slice(0,3).join('.')}.0/24"}, ports: [9090, 7001] }`, async () => { console.log(await probe(a.name, [{op:'connect', host: b.ip, port: 8080}, {op:'connect', host: b.ip, port: 9090}, {op:'connect', host: c.ip, port: 9090}])); });
  // foreign root
  await nsenterOk(a.name, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb');
  await go(`bandwidth: { target: {service: a}, rate: 4mbit }`, async () => {});
  await go(`bandwidth: { target: {service: a}, rate: 4mbit, direction: both }`, async () => {});
  console.log(await nsenterOk(a.name, 'tc', 'qdisc', 'show'), await nsenterOk(a.name, 'ip', '-o', 'link'));
  await nsenterOk(a.name, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root');
  // composition
  const i1 = await planInjections(client, lab.experiment(`  - bandwidth: { target: {service: a}, to: {service: b}, rate: 4mbit }\n  - partition: { groups: [[{service: a}], [{service: c}]] }\n  - bandwidth: { target: {service: a}, to: {service: c}, rate: 8mbit }`), 'abcd1234');
  console.log(i1.map(i => [i.faultId, i.target.name]));
} finally {
  await ctx.dispose();
  await lab.remove();
}
