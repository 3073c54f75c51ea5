import { DEFAULT_HELPER_IMAGE } from '../../docker/labels.js';
import { InvalidInputError } from '../../errors.js';
import { VIAS } from '../../network/netns-runner.js';
import type { NetworkSetup } from '../../network/setup.js';

/** --via and --helper-image, shared by run, plan and doctor. FAULTLINE_VIA and FAULTLINE_HELPER_IMAGE set defaults. */
export function parseNetworkOptions(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): NetworkSetup {
  const via = String(options.via ?? env.FAULTLINE_VIA ?? 'auto');
  if (via !== 'auto' && !VIAS.includes(via as (typeof VIAS)[number])) {
    throw new InvalidInputError('BAD_OPTION', `--via ${via}: expected one of auto, ${VIAS.join(', ')}`);
  }
  return {
    via: via as NetworkSetup['via'],
    helperImage: String(options.helperImage ?? env.FAULTLINE_HELPER_IMAGE ?? DEFAULT_HELPER_IMAGE),
  };
}
