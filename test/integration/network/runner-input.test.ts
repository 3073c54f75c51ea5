import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import {
  ExecRunner,
  HelperRunner,
  type NetnsRunner,
  NsenterRunner,
} from '../../../src/network/netns-runner.js';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import type { Target } from '../../../src/targets/target.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker, TEST_LABEL } from '../../support/docker-cli.js';
import { NetworkLab, nsenterOk } from '../../support/network.js';

/**
 * A batch reaches the command's stdin through each of the three ways in: iptables-restore --noflush
 * creates a chain with a rule in the target's own namespace, seen from the host with nsenter.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('runner-input'));

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  await lab.start([{ service: 'a' }]);
  await lab.createFilterTables();
  // The exec way runs the target's own iptables: a target made from the image that has it.
  const name = `${lab.prefix}-tools`;
  const id = await docker(
    'run',
    '-d',
    '--name',
    name,
    '--label',
    `${TEST_LABEL}=${lab.prefix}`,
    '--cap-add',
    'NET_ADMIN',
    DEFAULT_HELPER_IMAGE,
    'sleep',
    '600',
  );
  tools = { id, name };
});
let tools: Target;

afterAll(async () => {
  if (tools) await docker('rm', '-f', tools.name);
  await lab.remove();
});

const ways: [string, () => NetnsRunner, () => Target][] = [
  ['nsenter', () => new NsenterRunner(client), () => lab.get('a')],
  ['helper', () => new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'input0001'), () => lab.get('a')],
  ['exec', () => new ExecRunner(client), () => tools],
];

describe('a command run in a namespace with input', () => {
  it.each(ways)('reads the batch from stdin (%s)', async (way, make, targetOf) => {
    const runner = make();
    const target = targetOf();
    const chain = `FLX-IN-${way.toUpperCase()}`;
    try {
      const batch = [
        '*filter',
        `:${chain} - [0:0]`,
        `-A ${chain} -p tcp --dport 4711 -j ACCEPT`,
        'COMMIT',
        '',
      ];
      const result = await runner.run(target, ['iptables-restore', '--noflush'], { input: batch.join('\n') });
      expect(result).toMatchObject({ exitCode: 0, stderr: '' });
      const rules = await nsenterOk(target.name, 'iptables', '-S', chain);
      expect(rules.trim().split('\n')).toEqual([
        `-N ${chain}`,
        `-A ${chain} -p tcp -m tcp --dport 4711 -j ACCEPT`,
      ]);
    } finally {
      await runner.run(target, ['iptables', '-F', chain]);
      await runner.run(target, ['iptables', '-X', chain]);
      await runner.dispose();
    }
  });
});
