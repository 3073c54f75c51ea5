import { closestName } from './closest-name.js';

/**
 * The end of a message about an unknown name: `; did you mean "pause"?` when one candidate is close
 * enough to be a typo (see closestName), else nothing. Never a guess for a name far from all of them.
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = closestName(name, candidates);
  return near === undefined || near === name ? '' : `; did you mean ${JSON.stringify(near)}?`;
}
