import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';
import { podman, podmanInstalled } from './podman.js';

/**
 * Docker tests need a real engine and the fixture image; a missing one is a failure, not a skip
 * (`bash scripts/test.sh` installs and starts both). After the suite, nothing may be left behind: no
 * paused container, no container created by faultline, and no container the tests created, in Docker
 * and in Podman (test/integration/podman runs faultline against it).
 */
let pausedBefore = new Set<string>();
let podmanPausedBefore = new Set<string>();

export async function setup(): Promise<void> {
  try {
    await docker('info', '--format', '{{.ServerVersion}}');
  } catch (error) {
    throw new Error(
      `The Docker tests need a running Docker Engine: ${(error as Error).message}\nRun \`bash scripts/test.sh\`, which installs and starts it.`,
    );
  }
  try {
    await docker('image', 'inspect', FIXTURE_IMAGE, '--format', '{{.Id}}');
  } catch {
    throw new Error(`The fixture image ${FIXTURE_IMAGE} is missing: run \`bash fixtures/images/build.sh\`.`);
  }
  pausedBefore = new Set(lines(await docker('ps', '--filter', 'status=paused', '--format', '{{.Names}}')));
  if (await podmanInstalled())
    podmanPausedBefore = new Set(
      lines(await podman('ps', '--filter', 'status=paused', '--format', '{{.Names}}')),
    );
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

export async function teardown(): Promise<void> {
  const paused = lines(await docker('ps', '--filter', 'status=paused', '--format', '{{.Names}}'))
    .filter((name) => !pausedBefore.has(name))
    .join('\n');
  const helpers = await docker(
    'ps',
    '-a',
    '--filter',
    'label=org.faultline.helper',
    '--format',
    '{{.Names}}',
  );
  const leftovers = await docker(
    'ps',
    '-a',
    '--filter',
    `label=${TEST_LABEL}`,
    '--format',
    '{{.Names}} {{.State}}',
  );
  const problems: string[] = [];
  if (paused) problems.push(`paused containers: ${paused.split('\n').join(', ')}`);
  if (helpers) problems.push(`faultline helper containers: ${helpers.split('\n').join(', ')}`);
  if (leftovers) problems.push(`test containers not removed: ${leftovers.split('\n').join(', ')}`);
  if (await podmanInstalled()) problems.push(...(await podmanLeftovers()));
  if (problems.length > 0) {
    // Clean up so the next run starts fresh, then fail: something was left behind.
    const ids = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}`);
    if (ids) await docker('rm', '-f', ...ids.split('\n')).catch(() => undefined);
    if (await podmanInstalled()) {
      const podmanIds = await podman('ps', '-aq', '--filter', `label=${TEST_LABEL}`);
      if (podmanIds) await podman('rm', '-f', ...podmanIds.split('\n')).catch(() => undefined);
    }
    throw new Error(`The test suite left Docker changed:\n  ${problems.join('\n  ')}`);
  }
}

/** The same checks in Podman's own container store (read with the podman CLI, no service needed). */
async function podmanLeftovers(): Promise<string[]> {
  const paused = lines(await podman('ps', '--filter', 'status=paused', '--format', '{{.Names}}')).filter(
    (name) => !podmanPausedBefore.has(name),
  );
  const helpers = lines(
    await podman('ps', '-a', '--filter', 'label=org.faultline.helper', '--format', '{{.Names}}'),
  );
  const leftovers = lines(
    await podman('ps', '-a', '--filter', `label=${TEST_LABEL}`, '--format', '{{.Names}} {{.State}}'),
  );
  const problems: string[] = [];
  if (paused.length > 0) problems.push(`paused Podman containers: ${paused.join(', ')}`);
  if (helpers.length > 0) problems.push(`faultline helper containers in Podman: ${helpers.join(', ')}`);
  if (leftovers.length > 0) problems.push(`Podman test containers not removed: ${leftovers.join(', ')}`);
  return problems;
}
