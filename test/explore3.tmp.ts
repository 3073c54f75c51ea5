import { createDockerClient } from '../src/docker/dockerode-client.js';
import { NetworkContext } from '../src/network/network-fault.js';
import { NsenterRunner, HelperRunner } from '../src/network/netns-runner.js';
import { NetworkLab, planInjections, injectAll, netnsState, probe, tcp, nsenterOk } from './support/network.js';
import { uniquePrefix } from './support/containers.js';
import { docker } from './support/docker-cli.js';

const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('explore'));
try {
  await lab.start([{ service: 'a' }, { service: 'b' }]);
  const a = lab.get('a'), b = lab.get('b');
  for (const via of ['nsenter', 'helper']) {
    for (const kind of ['blackhole', 'bandwidth']) {
      for (const what of ['restart', 'rm']) {
        if (what === 'rm' && kind === 'bandwidth' && via==='helper') {}
        const ctx = new NetworkContext(via === 'nsenter' ? new NsenterRunner(client) : new HelperRunner(client, 'faultline/nettools:1', 'r1'));
        const spec = kind === 'blackhole' ? `blackhole: { target: {service: a}, to: {service: b} }` : `bandwidth: { target: {service: a}, to: {service: b}, rate: 4mbit, direction: both }`;
        const inj = await planInjections(client, lab.experiment(`  - ${spec}`), 'abcd1234');
        const [f] = await injectAll(ctx, inj);
        console.log(via, kind, what, 'during', await tcp(a.name, b.ip));
        if (what === 'restart') { await docker('restart', '-t', '1', a.name); await lab.waitReady(a.name); }
        else await docker('rm', '-f', a.name);
        try { console.log(via, kind, what, await f!.revert(), await f!.revert()); } catch (e) { console.log('THREW', e); }
        if (what === 'restart') { console.log('after', await tcp(a.name, b.ip)); console.log((await netnsState(a.name))['iptables-nft-save']?.includes('FL-')); }
        // second injection in same context after restart
        if (what === 'restart') {
          try {
            const [g] = await injectAll(ctx, await planInjections(client, lab.experiment(`  - ${spec}`), 'abcd1235'));
            console.log('second inject effect', await tcp(a.name, b.ip), (await nsenterOk(a.name, 'iptables-nft-save')).includes('FL-'), await nsenterOk(a.name, 'tc', 'qdisc', 'show'));
            console.log(await g!.revert());
          } catch (e) { console.log('second inject threw', (e as Error).message); }
        }
        await ctx.dispose();
        console.log('helpers', await docker('ps', '-a', '--filter', 'label=org.faultline.helper', '--format', '{{.Names}} {{.Status}}'));
        if (what === 'rm') await lab.add({ service: 'a' });
      }
    }
  }
} finally {
  await lab.remove();
}
