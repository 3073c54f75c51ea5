import { InvalidInputError } from '../../errors.js';

export function parseSeed(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) {
    throw new InvalidInputError(
      'BAD_OPTION',
      `--seed ${String(value)}: expected a whole number from 0 to 4294967295`,
    );
  }
  return seed;
}
