import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../../src/model/journal.js';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import { REPO, tempDir, writeExperiment } from '../../support/cli.js';
import { uniquePrefix, waitFor } from '../../support/containers.js';
import { docker, TEST_LABEL } from '../../support/docker-cli.js';
import { helperContainers, NetworkLab, netnsState, tcp } from '../../support/network.js';
import { partitionExperiment } from '../../support/partition-experiment.js';

/**
 * faultline run the way a CI job runs it in a container: as root, with the Docker socket mounted and
 * without --pid=host. The Engine's pids name processes of the host's PID namespace, so nsenter there
 * would enter the wrong process's network (or none): faultline must take the helper, say why, land
 * the partition in the targets, leave its own container's network alone, and revert everything.
 * The image (fixtures/images/build-runner.sh) carries faultline from this checkout's dist/ plus
 * nsenter, ip, tc and iptables, so that nsenter looks possible inside it.
 */
const lab = new NetworkLab(uniquePrefix('in-container'));
// One tag per checkout: checkouts built side by side on one Engine do not overwrite each other's image.
const image = `faultline-runner:${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`;
const runnerName = `${lab.prefix}-faultline`;
let dir: string;
let file: string;

/** `docker run` arguments of a faultline container: root, socket mounted, no --pid=host. */
function runnerArgs(name: string): string[] {
  return [
    '--name',
    name,
    '--label',
    `${TEST_LABEL}=${lab.prefix}`,
    '--network',
    lab.network,
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    '-v',
    `${dir}:/exp`,
    '-e',
    'NO_COLOR=1',
    '-e',
    'CI=true',
  ];
}

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  const build = await execa('bash', [path.join(REPO, 'fixtures/images/build-runner.sh')], {
    env: { FAULTLINE_RUNNER_IMAGE: image },
    reject: false,
    all: true,
  });
  if (build.exitCode !== 0) throw new Error(`build-runner.sh failed:\n${build.all}`);
  await lab.start([{ service: 'a' }, { service: 'b' }]);
  dir = await tempDir();
  file = await writeExperiment(
    dir,
    'partition.yaml',
    partitionExperiment('partition seen from a faultline in a container', lab.prefix, lab.get('a').ip, '8s'),
  );
});

afterAll(async () => {
  await lab.remove();
});

describe('faultline in a container without --pid=host', () => {
  it('plan names the helper and why nsenter is not used', async () => {
    const result = await execa(
      'docker',
      ['run', '--rm', ...runnerArgs(`${runnerName}-plan`), image, 'plan', `/exp/${path.basename(file)}`],
      { reject: false, all: true },
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `network +via helper: the Engine's pid \\d+ for ${lab.prefix}-[ab] is not (visible here|container [0-9a-f]{12} here but another process) \\(faultline runs in another PID namespace\\); helper image ${DEFAULT_HELPER_IMAGE}`,
      ),
    );
    expect(result.stdout).toContain(
      `docker run --rm --net container:${lab.get('a').name} --cap-add NET_ADMIN`,
    );
  });

  it('partitions the targets through the helper, deviates, leaves its own network alone and reverts everything', async () => {
    await lab.createFilterTables();
    const targetsBefore = await lab.states();
    const helpersBefore = await helperContainers();
    expect(await tcp(lab.get('b').name, lab.get('a').ip)).toBe('connected');

    // faultline starts once /exp/go exists, so its container's network can be read first.
    await docker(
      'run',
      '-d',
      ...runnerArgs(runnerName),
      '--entrypoint',
      '/bin/sh',
      image,
      '-c',
      `while [ ! -e /exp/go ]; do sleep 0.1; done; exec node /faultline/bin/faultline.js run /exp/${path.basename(file)} --report json=/exp/report.json`,
    );
    const ownBefore = await netnsState(runnerName);
    await writeFile(path.join(dir, 'go'), '');

    // During the fault: b cannot reach a (seen from b's container), faultline's container still can.
    await waitFor(
      'the partition to land between a and b',
      async () => (await tcp(lab.get('b').name, lab.get('a').ip)) === 'timeout',
      20_000,
    );
    expect(await tcp(runnerName, lab.get('a').ip)).toBe('connected');
    expect(await tcp(runnerName, lab.get('b').ip)).toBe('connected');
    expect(await netnsState(runnerName)).toEqual(ownBefore);

    const exitCode = Number(await docker('wait', runnerName));
    const output = await docker('logs', runnerName);
    expect(output).toMatch(
      /network faults via helper: the Engine's pid \d+ for \S+ is not (visible here|container [0-9a-f]{12} here but another process) \(faultline runs in another PID namespace\)/,
    );
    expect(output).toContain('DEVIATED');
    expect(exitCode, output).toBe(1);
    const session = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as SessionResult;
    const run = session.runs[0]!;
    expect(run.outcome).toBe('deviated');
    expect(run.faults.map((fault) => [fault.target.name, fault.status]).sort()).toEqual([
      [lab.get('a').name, 'reverted'],
      [lab.get('b').name, 'reverted'],
    ]);

    // Afterwards: a reachable again, every namespace as before, no helper left.
    expect(await tcp(lab.get('b').name, lab.get('a').ip)).toBe('connected');
    expect(await lab.states()).toEqual(targetsBefore);
    expect(await helperContainers()).toEqual(helpersBefore);
    await docker('rm', '-f', runnerName);
  });
});
