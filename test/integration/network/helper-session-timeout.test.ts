import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { FAULTLINE_RUN_ID } from '../../../src/docker/labels.js';
import { HelperRunner } from '../../../src/network/netns-runner.js';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { NetworkLab } from '../../support/network.js';

/**
 * A helper that stops answering (its session program stopped with SIGSTOP, as a frozen or starved
 * process would be): the command sent to it comes back as timed out (exit 124, the reason on stderr)
 * after the runner's time limit instead of hanging the run; the helper is removed, and the next
 * command gets a new one.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('helper-hang'));
const RUN_ID = 'hang0001';

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  await lab.start([{ service: 'a' }]);
});

afterAll(async () => {
  await lab.remove();
});

const helpersOf = async (runId: string) =>
  (await docker('ps', '-aq', '--no-trunc', '--filter', `label=${FAULTLINE_RUN_ID}=${runId}`))
    .split('\n')
    .filter(Boolean);

describe('a helper that stops answering', () => {
  it('times the command out, removes the helper, and answers the next command through a new one', async () => {
    const runner = new HelperRunner(client, DEFAULT_HELPER_IMAGE, RUN_ID);
    const target = lab.get('a');
    try {
      expect(await runner.run(target, ['echo', 'awake'])).toEqual({
        exitCode: 0,
        stdout: 'awake\n',
        stderr: '',
      });
      const [frozen] = await helpersOf(RUN_ID);
      expect(frozen).toBeDefined();
      const pid = Number(await docker('inspect', '--format', '{{.State.Pid}}', frozen!));
      process.kill(pid, 'SIGSTOP');

      const started = Date.now();
      const answer = await runner.run(target, ['iptables', '-S']);
      const waited = Date.now() - started;
      expect(answer).toEqual({ exitCode: 124, stdout: '', stderr: 'no answer within 15 s' });
      expect(await helpersOf(RUN_ID)).not.toContain(frozen);

      const next = await runner.run(target, ['echo', 'again']);
      expect(next).toEqual({ exitCode: 0, stdout: 'again\n', stderr: '' });
      const replaced = await helpersOf(RUN_ID);
      expect(replaced).toHaveLength(1);
      expect(replaced[0]).not.toBe(frozen);
      console.log(`[helper-hang] a stopped helper's command came back as timed out after ${waited} ms`);
    } finally {
      await runner.dispose();
    }
    expect(await helpersOf(RUN_ID)).toEqual([]);
  }, 60_000);
});
