import { randomBytes } from 'node:crypto';
import { createDockerClient } from '../../docker/dockerode-client.js';
import { describeEndpoint } from '../../docker/endpoint.js';
import { ExitCode } from '../../errors.js';
import { chooseRunner } from '../../network/setup.js';
import { recover } from '../../safety/recover.js';
import { stateDir } from '../../safety/state-dir.js';
import type { CommandContext } from '../program.js';
import { connectDocker } from './endpoint-options.js';
import { parseNetworkOptions } from './network-options.js';

/**
 * Reverts whatever earlier runs left: from the ledgers, then by scanning Docker. Safe at any time:
 * runs still alive are left alone, and what is already undone is skipped. Exit 0, or 4 when
 * something could not be reverted.
 */
export async function recoverCommand(options: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const c = ctx.output.colors;
  const { docker, endpoint } = connectDocker(options, ctx.env);
  await docker.ping();
  ctx.output.stdout.write(`${c.dim(`engine ${describeEndpoint(endpoint)}`)}\n`);
  const dir = stateDir(ctx.env);
  let runner: Awaited<ReturnType<typeof chooseRunner>>['runner'] | undefined;
  try {
    runner = (
      await chooseRunner(
        docker,
        parseNetworkOptions(options, ctx.env),
        `recover-${randomBytes(3).toString('hex')}`,
      )
    ).runner;
  } catch (error) {
    ctx.output.stderr.write(
      `${c.yellow('warn')} not scanning network namespaces: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  try {
    const actions = await recover({
      docker,
      dockerFor: createDockerClient,
      stateDir: dir,
      runner,
      log: (action) => {
        const mark =
          action.status === 'failed'
            ? c.red('FAILED  ')
            : action.status === 'skipped'
              ? c.dim('skipped ')
              : c.green(action.status.padEnd(8));
        ctx.output.stdout.write(`${mark} ${action.what}: ${action.detail}\n`);
      },
    });
    const failed = actions.filter((action) => action.status === 'failed').length;
    const done = actions.filter((action) => action.status === 'reverted').length;
    ctx.output.stdout.write(
      actions.length === 0
        ? `nothing to recover (ledgers in ${dir}; every running container scanned)\n`
        : `${done} reverted, ${failed} failed\n`,
    );
    return failed > 0 ? ExitCode.revertFailed : ExitCode.passed;
  } finally {
    await runner?.dispose();
  }
}
