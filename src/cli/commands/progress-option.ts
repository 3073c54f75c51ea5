import { InvalidInputError } from '../../errors.js';
import { PROGRESS_MODES, type ProgressMode } from '../output.js';

/** --progress, with FAULTLINE_PROGRESS as its default. */
export function parseProgress(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): ProgressMode {
  const fromOption = options.progress !== undefined;
  const value = String(options.progress ?? env.FAULTLINE_PROGRESS ?? 'auto');
  if (!PROGRESS_MODES.includes(value as ProgressMode)) {
    const source = fromOption ? '--progress' : 'FAULTLINE_PROGRESS=';
    throw new InvalidInputError(
      'BAD_OPTION',
      `${source}${fromOption ? ' ' : ''}${value}: expected one of ${PROGRESS_MODES.join(', ')}`,
      {
        hint: 'auto: a live status line on an interactive terminal, plain lines elsewhere; plain: timestamped lines; tty: always the status line',
      },
    );
  }
  return value as ProgressMode;
}
