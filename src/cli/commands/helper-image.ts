import * as z from 'zod';
import { createDockerClient } from '../../docker/dockerode-client.js';
import { describeEndpoint, resolveEndpoint } from '../../docker/endpoint.js';
import { InvalidInputError } from '../../errors.js';
import {
  buildHelperImage,
  DEFAULT_HELPER_IMAGE,
  describeWay,
  HELPER_IMAGE_FROM,
} from '../../platform/docker/helper-image/index.js';
import { formatDuration } from '../../util/duration.js';
import type { CommandContext } from '../program.js';

const OptionsSchema = z.object({
  image: z.string().min(1).optional(),
  force: z.boolean().optional(),
  from: z.enum(HELPER_IMAGE_FROM, { error: 'expected auto, host or dockerfile' }).optional(),
  base: z.string().min(1).optional(),
  buildNetwork: z.string().min(1).optional(),
});

/** The command line options, as commander hands them over. */
export interface HelperImageOptions {
  image?: string;
  force?: boolean;
  from?: string;
  base?: string;
  buildNetwork?: string;
  /** The Engine options (-H/--host, --context), given before or after the command name. */
  host?: string;
  context?: string;
}

/**
 * Builds the helper image for network faults: offline from this host's tc, ip and iptables when that
 * works here, else from images/helper/Dockerfile through the Docker Engine; says which and why. Does
 * nothing when the image is already up to date, unless --force.
 */
export async function helperImageCommand(options: HelperImageOptions, ctx: CommandContext): Promise<number> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidInputError('BAD_OPTION', `helper-image: ${z.prettifyError(parsed.error)}`);
  }
  const dockerfileOnly = parsed.data.base !== undefined || parsed.data.buildNetwork !== undefined;
  if (dockerfileOnly && parsed.data.from === 'host') {
    throw new InvalidInputError(
      'BAD_OPTION',
      'helper-image: --base and --build-network apply to --from dockerfile only',
    );
  }
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  const endpoint = resolveEndpoint({ host: options.host, context: options.context }, ctx.env);
  out(c.dim(`engine ${describeEndpoint(endpoint)}`));
  const result = await buildHelperImage({
    docker: createDockerClient(endpoint),
    image: parsed.data.image ?? DEFAULT_HELPER_IMAGE,
    force: parsed.data.force ?? false,
    from: parsed.data.from ?? (dockerfileOnly ? 'dockerfile' : 'auto'),
    base: parsed.data.base,
    buildNetwork: parsed.data.buildNetwork,
    onChoice: (choice) => out(`${c.bold(describeWay(choice.way))}: ${choice.why}`),
    log: (line) => out(c.dim(`  ${line}`)),
  });
  const size = `${(result.sizeBytes / 1e6).toFixed(1)} MB`;
  const took = formatDuration(result.durationMs);
  if (result.built) {
    out(`${c.green('built')} ${c.bold(result.image)}  ${size} in ${took}`);
  } else {
    out(
      `${c.green('up to date')} ${c.bold(result.image)}  ${size}, checked in ${took} ${c.dim('(--force rebuilds it)')}`,
    );
  }
  out(`  ${c.dim('id')}    ${result.id.replace(/^sha256:/, '').slice(0, 12)}`);
  out(`  ${c.dim('tools')} ${result.tools.join(' ')}`);
  return 0;
}
