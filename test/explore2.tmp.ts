import { createDockerClient } from '../src/docker/dockerode-client.js';
import { NetworkContext } from '../src/network/network-fault.js';
import { NsenterRunner } from '../src/network/netns-runner.js';
import { NetworkLab, planInjections, injectAll, netnsState, probe, bitsPerSecond, nsenterOk } from './support/network.js';
import { uniquePrefix } from './support/containers.js';

const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('explore'));
try {
  await lab.start([{ service: 'a' }, { service: 'b' }, { service: 'c' }]);
  const a = lab.get('a'), b = lab.get('b'), c = lab.get('c');
  const before = await netnsState(a.name);
  const ctx = new NetworkContext(new NsenterRunner(client));
  for (const dir of ['egress', 'ingress', 'both']) {
    const inj = await planInjections(client, lab.experiment(`  - bandwidth: { target: {service: a}, to: {service: b}, rate: 4mbit, direction: ${dir} }`), 'abcd1234');
    console.log(inj[0]!.actions);
    const [f] = await injectAll(ctx, inj);
    console.log(await nsenterOk(a.name, 'tc', 'qdisc', 'show'));
    let t = Date.now();
    const r = await probe(a.name, [{ op: 'upload', host: b.ip, bytes: 1_000_000 }], [{ op: 'download', host: b.ip, bytes: 1_000_000 }], [{ op: 'upload', host: c.ip, bytes: 1_000_000 }], [{ op: 'download', host: c.ip, bytes: 1_000_000 }]);
    console.log(dir, r.map((x) => [x.outcome, x.ms, (bitsPerSecond(x) / 1e6).toFixed(2)]), Date.now() - t);
    console.log(await f!.revert());
    const after = await netnsState(a.name);
    for (const k of Object.keys({...after, ...before})) if (after[k] !== before[k]) console.log('DIFF', k, '\n', before[k], '\n---\n', after[k]);
  }
} finally {
  await lab.remove();
}
