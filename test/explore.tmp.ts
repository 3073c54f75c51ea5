import { createDockerClient } from '../src/docker/dockerode-client.js';
import { NetworkContext } from '../src/network/network-fault.js';
import { NsenterRunner } from '../src/network/netns-runner.js';
import { NetworkLab, planInjections, injectAll, netnsState, probe, tcp, udpReceived, nsenter } from './support/network.js';
import { uniquePrefix } from './support/containers.js';

const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('explore'));
try {
  let t = Date.now();
  await lab.start([{ service: 'a', publish: '127.0.0.1::8080' }, { service: 'b' }, { service: 'c' }, { service: 'd' }]);
  console.log('start', Date.now() - t);
  const a = lab.get('a'), b = lab.get('b'), c = lab.get('c'), d = lab.get('d');
  t = Date.now();
  console.log(await probe(a.name, [{ op: 'connect', host: b.ip, port: 8080 }, { op: 'connect', host: c.ip, port: 9090 }, { op: 'lookup', name: b.name }], [{op:'upload', host: b.ip, bytes: 1_000_000}, {op:'download', host: b.ip, bytes: 1_000_000}]));
  console.log('probe', Date.now() - t);
  const before = await netnsState(a.name);
  console.log(before);
  const injections = await planInjections(client, lab.experiment(`  - partition: { groups: [[{service: a}], [{service: b}, {service: c}]] }`), 'abcd1234');
  for (const i of injections) console.log(i.target.name, i.actions);
  const ctx = new NetworkContext(new NsenterRunner(client));
  const faults = await injectAll(ctx, injections);
  t = Date.now();
  console.log(await probe(a.name, [{ op: 'connect', host: b.ip, port: 8080 }, { op: 'connect', host: c.ip, port: 8080 }, { op: 'connect', host: d.ip, port: 8080 }]));
  console.log(await probe(b.name, [{ op: 'connect', host: a.ip, port: 8080 }, { op: 'connect', host: c.ip, port: 8080 }]));
  console.log('probe2', Date.now() - t);
  for (const f of faults) console.log(await f.revert());
  const after = await netnsState(a.name);
  for (const k of Object.keys(after)) if (after[k] !== before[k]) console.log('DIFF', k, '\n', before[k], '\n---\n', after[k]);
  await udpReceived(a.name);
} finally {
  await lab.remove();
}
