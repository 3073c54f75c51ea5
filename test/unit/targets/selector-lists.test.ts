import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../../src/docker/client.js';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import type { TargetSelector } from '../../../src/experiment/schema.js';
import { describeSelector, NoTargetError, selectTargets } from '../../../src/targets/resolve.js';

const compose = (project: string, service: string, name: string): ContainerSummary => ({
  id: `${name}-id`,
  name,
  image: 'example/image:1',
  state: 'running',
  labels: { [COMPOSE_PROJECT]: project, [COMPOSE_SERVICE]: service },
  networks: [],
});

const CONTAINERS = [
  compose('shop', 'api', 'shop-api-1'),
  compose('shop', 'api', 'shop-api-2'),
  compose('shop', 'worker', 'shop-worker-1'),
  compose('shop', 'db', 'shop-db-1'),
  compose('staging', 'cache', 'staging-cache-1'),
];

const names = (selector: TargetSelector, scope = 'shop') =>
  selectTargets(CONTAINERS, selector, { scope, seed: 1, runningOnly: true }).map((target) => target.name);

function refusal(selector: TargetSelector, scope: string | undefined = 'shop'): string {
  try {
    selectTargets(CONTAINERS, selector, { scope, seed: 1, runningOnly: true });
  } catch (error) {
    expect(error).toBeInstanceOf(NoTargetError);
    return (error as Error).message;
  }
  throw new Error('expected the selector to be refused');
}

describe('a list of services or names in one selector', () => {
  it('selects the union of the listed services', () => {
    expect(names({ service: ['api', 'worker'] })).toEqual(['shop-api-1', 'shop-api-2', 'shop-worker-1']);
  });

  it('selects the union of the listed names', () => {
    expect(names({ name: ['shop-db-1', '/shop-worker-1'] })).toEqual(['shop-db-1', 'shop-worker-1']);
  });

  it('picks count among the union, never outside it', () => {
    const picked = names({ service: ['worker', 'db'], count: 2 });
    expect(picked.sort()).toEqual(['shop-db-1', 'shop-worker-1']);
  });

  it('refuses a list with an entry that matches nothing, naming it and a close name', () => {
    expect(refusal({ service: ['api', 'wroker'] })).toBe(
      'service shop/api or shop/wroker: service wroker matches no container; did you mean "worker"?',
    );
    expect(refusal({ name: ['shop-db-1', 'shop-db-2'] })).toMatch(
      /name shop-db-2 matches no container; did you mean "shop-db-1"\?$/,
    );
  });

  it('suggests a close name when a single service matches nothing', () => {
    expect(refusal({ service: 'wroker' })).toBe(
      'no container matches service shop/wroker; did you mean "worker"?',
    );
  });

  it('looks for close names only inside the scope', () => {
    // staging's cache is outside scope.compose shop: it is not offered as what was meant.
    expect(refusal({ service: ['api', 'cache'] })).toBe(
      'service shop/api or shop/cache: service cache matches no container',
    );
  });

  it('reads as a union in plan and the journal', () => {
    expect(describeSelector({ service: ['api', 'worker'] }, 'shop')).toBe('service shop/api or shop/worker');
    expect(describeSelector({ name: ['a', 'b'] })).toBe('name a or b');
  });
});
