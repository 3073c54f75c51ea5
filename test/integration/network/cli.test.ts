import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import { faultline, tempDir, writeExperiment } from '../../support/cli.js';
import { uniquePrefix } from '../../support/containers.js';
import { dockerSnapshot, inspectState } from '../../support/docker-cli.js';
import { helperContainers, NetworkLab } from '../../support/network.js';
import { partitionUnderProbeExperiment } from '../../support/partition-experiment.js';

/**
 * The built CLI on this machine, whose kernel has no sch_netem: doctor, a run that needs netem, plan
 * on a partition experiment, and a partition run through the helper container.
 */
const lab = new NetworkLab(uniquePrefix('net-cli'));
let dir: string;

const ip = (service: string) => lab.get(service).ip;
const name = (service: string) => lab.get(service).name;

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  await lab.start([{ service: 'a' }, { service: 'b' }]);
  dir = await tempDir();
});

afterAll(async () => {
  await lab.remove();
});

describe('faultline doctor', () => {
  it('exits 3, names netem as missing with its remedy, and lists what works', async () => {
    const result = await faultline(['doctor']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain(
      'FAIL kernel: tc netem (delay, loss, duplicate, corrupt, reorder): Error: Specified qdisc kind is unknown.',
    );
    expect(result.stdout).toContain('This kernel lacks sch_netem. Try `modprobe sch_netem`');
    for (const works of [
      'ok   nsenter from the host: available',
      'ok   kernel: tc tbf (bandwidth)',
      'ok   kernel: tc htb (the root faultline builds its tc faults on)',
      'ok   kernel: tc u32 filters (scoping faults to peers and ports)',
      'ok   kernel: iptables (blackhole, reset, dns, partition)',
      'ok   kernel: the iptables comment match (rules tagged with the run)',
      'ok   kernel: the iptables multiport match (several ports)',
      'ok   kernel: the iptables REJECT target (reset, dns)',
    ]) {
      expect(result.stdout).toContain(works);
    }
    expect(result.stdout).toMatch(/^1 problem\(s\): /m);
  });
});

describe('faultline run', () => {
  it('ends with exit 3 before injecting anything when a step needs netem', async () => {
    const file = await writeExperiment(
      dir,
      'needs-netem.yaml',
      lab.experiment(
        [
          '  - blackhole: { target: { service: a }, to: { service: b }, duration: 1s }',
          '  - pause: { target: { service: b }, duration: 1s }',
          '  - delay: { target: { service: a }, latency: 100ms, duration: 1s }',
        ].join('\n'),
      ),
    );
    const states = await lab.states();
    const containers = await dockerSnapshot();
    const helpers = await helperContainers();

    const result = await faultline(['run', file]);
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain('this host cannot do what the experiment needs');
    expect(result.all).toContain('nothing was injected');
    expect(result.all).toContain('tc netem (delay, loss, duplicate, corrupt, reorder)');
    expect(result.all).toContain('modprobe sch_netem');

    // Not even the blackhole and the pause before the delay happened: no rule, no qdisc, nothing paused.
    expect(await lab.states()).toEqual(states);
    expect(await inspectState(name('b'))).toMatchObject({ paused: false, running: true });
    expect(await dockerSnapshot()).toEqual(containers);
    expect(await helperContainers()).toEqual(helpers);
  });

  it('--via helper partitions for real (a probe under the fault says so) and leaves no helper behind', async () => {
    const file = await writeExperiment(
      dir,
      'partition-helper.yaml',
      partitionUnderProbeExperiment('partition through the helper', lab.prefix, ip('b')),
    );
    await lab.createFilterTables();
    const states = await lab.states();
    const helpers = await helperContainers();

    const result = await faultline([
      'run',
      file,
      '--via',
      'helper',
      '--report',
      `json=${path.join(dir, 'helper.json')}`,
    ]);
    expect(result.all).toContain('network faults via helper');
    expect(result.all).toContain('PASSED');
    expect(result.exitCode).toBe(0);

    expect(await helperContainers()).toEqual(helpers);
    expect(await lab.states()).toEqual(states);
  });
});

describe('faultline plan', () => {
  it('prints the exact iptables commands of a partition and changes nothing', async () => {
    const file = await writeExperiment(
      dir,
      'partition-plan.yaml',
      lab.experiment('  - partition: { groups: [[{ service: a }], [{ service: b }]], duration: 5s }'),
    );
    const states = await lab.states();
    const containers = await dockerSnapshot();

    const result = await faultline(['plan', file]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n').map((line) => line.trim());
    for (const [self, other, fault] of [
      ['a', 'b', 'partition-1'],
      ['b', 'a', 'partition-2'],
    ] as const) {
      const ns = `nsenter -t $(docker inspect -f '{{.State.Pid}}' ${name(self)}) -n`;
      const chain = `FL-plan0000-${fault}`;
      const comment = `"faultline run=plan0000 fault=${fault}"`;
      const start = lines.indexOf(`${fault} on ${name(self)}`);
      expect(start).toBeGreaterThan(-1);
      // One iptables-restore batch to inject and one to revert, each shown as a here-document.
      const restore = `${ns} iptables-restore -w 5 --noflush <<'EOF'`;
      expect(lines.slice(start + 1, start + 24)).toEqual([
        restore,
        '*filter',
        `:${chain}-O - [0:0]`,
        `:${chain}-I - [0:0]`,
        `-A ${chain}-O -d ${ip(other)}/32 -j DROP`,
        `-A ${chain}-I -s ${ip(other)}/32 -j DROP`,
        `-I OUTPUT 1 -m comment --comment ${comment} -j ${chain}-O`,
        `-I INPUT 1 -m comment --comment ${comment} -j ${chain}-I`,
        'COMMIT',
        'EOF',
        `revert: ${restore}`,
        '*filter',
        `-D OUTPUT -m comment --comment ${comment} -j ${chain}-O`,
        `-F ${chain}-O`,
        `-X ${chain}-O`,
        `-D INPUT -m comment --comment ${comment} -j ${chain}-I`,
        `-F ${chain}-I`,
        `-X ${chain}-I`,
        'COMMIT',
        'EOF',
        'revert: # instead, where the fault created the nf_tables filter table and it holds only these rules:',
        `${ns} iptables-save -t filter`,
        `${ns} nft delete table ip filter`,
      ]);
    }
    expect(await lab.states()).toEqual(states);
    expect(await dockerSnapshot()).toEqual(containers);
  });
});
