import { describe, expect, it } from 'vitest';
import type { ContainerSummary, DockerClient } from '../../../src/docker/client.js';
import { COMPOSE_PROJECT, COMPOSE_SERVICE, FAULTLINE_HELPER } from '../../../src/docker/labels.js';
import { EnvironmentError } from '../../../src/errors.js';
import type { TargetSelector } from '../../../src/experiment/schema.js';
import {
  describeProjects,
  describeSelector,
  NoTargetError,
  type ResolveOptions,
  type RunHolder,
  resolveTargets,
  selectTargets,
  TargetHeldError,
  type TargetSelectionError,
  TargetsSpanProjectsError,
} from '../../../src/targets/resolve.js';
import { describeTarget, shortId } from '../../../src/targets/target.js';

function container(
  name: string,
  id: string,
  labels: Record<string, string> = {},
  state = 'running',
): ContainerSummary {
  return { id, name, image: 'example/image:1', state, labels, networks: [] };
}

function compose(
  project: string,
  service: string,
  name: string,
  id: string,
  state = 'running',
): ContainerSummary {
  return container(name, id, { [COMPOSE_PROJECT]: project, [COMPOSE_SERVICE]: service }, state);
}

const CONTAINERS: ContainerSummary[] = [
  compose('shop', 'api', 'shop-api-1', 'aaa111000000'),
  compose('shop', 'api', 'shop-api-2', 'aaa222000000'),
  compose('shop', 'db', 'shop-db-1', 'bbb111000000'),
  // Compose v1 naming: underscores.
  compose('legacy', 'api', 'legacy_api_1', 'ccc111000000'),
  compose('other', 'db', 'other-db-1', 'ddd111000000'),
  container('standalone', 'eee111000000', { tier: 'cache', team: 'checkout' }),
  container('redis-cache', 'eee222000000', { tier: 'cache', team: 'search' }),
  // A faultline helper carrying the same labels as a real service: never a target.
  {
    ...compose('shop', 'api', 'faultline-netem-helper', 'fff111000000'),
    labels: {
      [COMPOSE_PROJECT]: 'shop',
      [COMPOSE_SERVICE]: 'api',
      [FAULTLINE_HELPER]: 'true',
      tier: 'cache',
    },
  },
];

const RUNNING: ResolveOptions = { seed: 1, runningOnly: true };

function names(
  selector: TargetSelector,
  options: Partial<ResolveOptions> = {},
  containers = CONTAINERS,
): string[] {
  return selectTargets(containers, selector, { ...RUNNING, ...options }).map((target) => target.name);
}

function failure(
  selector: TargetSelector,
  options: Partial<ResolveOptions> = {},
  containers = CONTAINERS,
): NoTargetError {
  try {
    selectTargets(containers, selector, { ...RUNNING, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(NoTargetError);
    return error as NoTargetError;
  }
  throw new Error('expected no target');
}

describe('selectTargets', () => {
  it('selects by exact name (a leading slash, as Docker prints it, is accepted)', () => {
    expect(names({ name: 'shop-db-1' })).toEqual(['shop-db-1']);
    expect(names({ name: '/shop-db-1' })).toEqual(['shop-db-1']);
    expect(() => names({ name: 'shop-db' })).toThrow(NoTargetError);
  });

  it('returns the target with its id, service and project', () => {
    expect(selectTargets(CONTAINERS, { name: 'shop-db-1' }, RUNNING)).toEqual([
      { id: 'bbb111000000', name: 'shop-db-1', service: 'db', project: 'shop' },
    ]);
    expect(selectTargets(CONTAINERS, { name: 'standalone' }, RUNNING)).toEqual([
      { id: 'eee111000000', name: 'standalone', service: undefined, project: undefined },
    ]);
  });

  it('selects by a unique id prefix', () => {
    expect(names({ id: 'bbb1' })).toEqual(['shop-db-1']);
    expect(names({ id: 'bbb111000000' })).toEqual(['shop-db-1']);
  });

  it('refuses an ambiguous id prefix', () => {
    const error = failure({ id: 'aaa' });
    expect(error.message).toBe('id aaa is ambiguous: it matches 2 containers');
    expect(error.hint).toBe('Use a longer id.');
    expect(error.exitCode).toBe(3);
  });

  it('selects a compose service of the scope project', () => {
    expect(names({ service: 'api' }, { scope: 'shop' })).toEqual(['shop-api-1', 'shop-api-2']);
    expect(names({ service: 'db' }, { scope: 'other' })).toEqual(['other-db-1']);
  });

  it('never reaches outside the scope, even with an explicit project', () => {
    const error = failure({ service: 'db', project: 'other' }, { scope: 'shop' });
    expect(error.message).toBe(
      'no container of compose project shop matches service other/db (outside scope.compose: other-db-1 is in project other)',
    );
  });

  it('resolves Compose v1 (proj_svc_1) and v2 (proj-svc-1) names alike, by label', () => {
    expect(names({ service: 'api', project: 'legacy' })).toEqual(['legacy_api_1']);
    expect(names({ service: 'api', project: 'shop' })).toEqual(['shop-api-1', 'shop-api-2']);
  });

  it('without any project, a service matches in every project only when the selector says projects: any', () => {
    expect(names({ service: 'api', projects: 'any' })).toEqual(['legacy_api_1', 'shop-api-1', 'shop-api-2']);
  });

  it('selects by labels (every label must match)', () => {
    expect(names({ labels: { tier: 'cache' } })).toEqual(['redis-cache', 'standalone']);
    expect(names({ labels: { tier: 'cache', team: 'search' } })).toEqual(['redis-cache']);
    expect(() => names({ labels: { tier: 'cache', team: 'nobody' } })).toThrow(NoTargetError);
  });

  it('selects by a pattern on the name', () => {
    expect(names({ pattern: '^shop-api-\\d$' })).toEqual(['shop-api-1', 'shop-api-2']);
    expect(names({ pattern: 'db', projects: 'any' })).toEqual(['other-db-1', 'shop-db-1']);
    expect(names({ pattern: 'db', project: 'shop' })).toEqual(['shop-db-1']);
  });

  it('combines selectors (all must hold)', () => {
    expect(names({ service: 'api', project: 'shop', pattern: '2$' })).toEqual(['shop-api-2']);
  });

  it('never selects a faultline helper container, whatever the selector', () => {
    const all = (selector: TargetSelector) => names(selector, { runningOnly: false });
    expect(all({ service: 'api', project: 'shop' })).not.toContain('faultline-netem-helper');
    expect(all({ labels: { tier: 'cache' } })).not.toContain('faultline-netem-helper');
    expect(all({ pattern: '.', projects: 'any' })).not.toContain('faultline-netem-helper');
    expect(() => all({ name: 'faultline-netem-helper' })).toThrow(NoTargetError);
    expect(() => all({ id: 'fff' })).toThrow(NoTargetError);
  });

  it('returns targets sorted by name', () => {
    const shuffled = [...CONTAINERS].reverse();
    const everything: TargetSelector = { pattern: '.', projects: 'any' };
    expect(names(everything, {}, shuffled)).toEqual(names(everything));
    expect(names(everything)).toEqual([...names(everything)].sort((a, b) => a.localeCompare(b)));
  });

  describe('running containers only', () => {
    const mixed = [
      compose('shop', 'worker', 'shop-worker-1', '111', 'running'),
      compose('shop', 'worker', 'shop-worker-2', '222', 'exited'),
      compose('shop', 'worker', 'shop-worker-3', '333', 'paused'),
      compose('shop', 'cron', 'shop-cron-1', '444', 'exited'),
      compose('shop', 'cron', 'shop-cron-2', '555', 'paused'),
    ];

    it('leaves out exited and paused containers when faults need running ones', () => {
      expect(names({ service: 'worker' }, {}, mixed)).toEqual(['shop-worker-1']);
    });

    it('keeps them for probes that may look at stopped containers', () => {
      expect(names({ service: 'worker' }, { runningOnly: false }, mixed)).toEqual([
        'shop-worker-1',
        'shop-worker-2',
        'shop-worker-3',
      ]);
    });

    it('says which containers matched and in which state when none is running', () => {
      const error = failure({ service: 'cron', project: 'shop' }, {}, mixed);
      expect(error.message).toBe(
        'no running container matches service shop/cron (shop-cron-1 is exited, shop-cron-2 is paused)',
      );
      expect(error.hint).toBe('Start the containers (`docker unpause` a paused one), then run again.');
    });
  });

  describe('no match', () => {
    it('is a NoTargetError (exit 3) that names the selector and hints at what to check', () => {
      const error = failure({ service: 'payments' }, { scope: 'shop' });
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.code).toBe('NO_TARGET');
      expect(error.exitCode).toBe(3);
      expect(error.message).toBe('no container matches service shop/payments');
      expect(error.hint).toContain('docker ps');
    });

    it('suggests naming the compose project when a service is given without one', () => {
      const error = failure({ service: 'payments' });
      expect(error.message).toBe('no container matches service payments');
      expect(error.hint).toContain('scope.compose');
    });

    it('is raised for an empty listing', () => {
      expect(failure({ pattern: '.' }, {}, []).message).toBe('no container matches name matching /./');
    });
  });

  describe('count and percent', () => {
    const fleet = Array.from({ length: 10 }, (_, index) =>
      compose('shop', 'web', `shop-web-${String(index + 1).padStart(2, '0')}`, `web${index}`),
    );
    const pick = (selector: TargetSelector, seed: number) => names(selector, { seed }, fleet);

    it('picks `count` distinct containers', () => {
      const picked = pick({ service: 'web', count: 3 }, 7);
      expect(picked).toHaveLength(3);
      expect(new Set(picked).size).toBe(3);
      for (const name of picked) expect(name).toMatch(/^shop-web-\d\d$/);
    });

    it('picks the same containers with the same seed, and not always the same with other seeds', () => {
      expect(pick({ service: 'web', count: 3 }, 7)).toEqual(pick({ service: 'web', count: 3 }, 7));
      const picks = new Set(
        Array.from({ length: 8 }, (_, seed) => pick({ service: 'web', count: 3 }, seed).join(',')),
      );
      expect(picks.size).toBeGreaterThan(1);
      const percentPicks = new Set(
        Array.from({ length: 8 }, (_, seed) => pick({ service: 'web', percent: 30 }, seed).join(',')),
      );
      expect(percentPicks.size).toBeGreaterThan(1);
    });

    it('refuses a count above the running matches', () => {
      const error = failure({ service: 'web', count: 11 }, {}, fleet);
      expect(error.message).toBe('service web, count 11: asked for 11 containers, but only 10 are running');
      expect(error.hint).toBe('Lower count, or scale the service up.');
      const one = failure({ name: 'shop-web-01', count: 2 }, {}, fleet);
      expect(one.message).toContain('only 1 is running');
    });

    it('takes count among running containers only', () => {
      const partly = [...fleet.slice(0, 2), ...fleet.slice(2).map((c) => ({ ...c, state: 'exited' }))];
      expect(() => names({ service: 'web', count: 3 }, {}, partly)).toThrow(NoTargetError);
      expect(names({ service: 'web', count: 2 }, {}, partly)).toEqual(['shop-web-01', 'shop-web-02']);
    });

    it('turns percent into a rounded count', () => {
      expect(pick({ service: 'web', percent: 30 }, 3)).toHaveLength(3);
      expect(pick({ service: 'web', percent: 25 }, 3)).toHaveLength(3); // 2.5 rounds to 3
      expect(pick({ service: 'web', percent: 24 }, 3)).toHaveLength(2);
      expect(pick({ service: 'web', percent: 100 }, 3)).toHaveLength(10);
    });

    it('picks at least one container for a small percent', () => {
      expect(pick({ service: 'web', percent: 1 }, 3)).toHaveLength(1);
      expect(names({ name: 'shop-web-01', percent: 10 }, {}, fleet)).toEqual(['shop-web-01']);
    });
  });
});

function refusal<T extends TargetSelectionError>(
  kind: new (...args: never[]) => T,
  selector: TargetSelector,
  options: Partial<ResolveOptions> = {},
  containers = CONTAINERS,
): T {
  try {
    selectTargets(containers, selector, { ...RUNNING, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return error as T;
  }
  throw new Error('expected a refusal');
}

describe('scope.compose bounds every selector', () => {
  it('bounds a pattern, a name, an id and labels, not only a service', () => {
    expect(names({ pattern: 'db' }, { scope: 'shop' })).toEqual(['shop-db-1']);
    expect(names({ pattern: 'api' }, { scope: 'legacy' })).toEqual(['legacy_api_1']);
    expect(failure({ name: 'other-db-1' }, { scope: 'shop' }).message).toBe(
      'no container of compose project shop matches name other-db-1 (outside scope.compose: other-db-1 is in project other)',
    );
    expect(failure({ id: 'ddd1' }, { scope: 'shop' }).message).toContain('other-db-1 is in project other');
    const labels = failure({ labels: { tier: 'cache' } }, { scope: 'shop' });
    expect(labels.message).toBe(
      'no container of compose project shop matches labels tier=cache (outside scope.compose: redis-cache is in no compose project, standalone is in no compose project)',
    );
    expect(labels.hint).toContain('scope.compose bounds every target');
  });

  it('still says plainly when nothing matches anywhere', () => {
    expect(failure({ pattern: 'nothing-like-this' }, { scope: 'shop' }).message).toBe(
      'no container matches name matching /nothing-like-this/',
    );
  });
});

describe('a selector that matches several compose projects', () => {
  it('is refused (exit 3), naming each project and its containers', () => {
    const error = refusal(TargetsSpanProjectsError, { service: 'api' });
    expect(error.code).toBe('TARGETS_SPAN_PROJECTS');
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      'service api matches containers of 2 compose projects, refused so as not to fault the wrong one: legacy (legacy_api_1); shop (shop-api-1, shop-api-2)',
    );
    expect(error.hint).toContain('scope.compose');
    expect(error.hint).toContain('project:');
    expect(error.hint).toContain('projects: any');
  });

  it('is refused when it mixes compose and standalone containers', () => {
    const error = refusal(TargetsSpanProjectsError, { pattern: '^(standalone|shop-db-1)$' });
    expect(error.message).toContain('shop (shop-db-1); no compose project (standalone)');
  });

  it('counts stopped containers too: the selector is ambiguous whatever their state', () => {
    const mixed = [compose('a', 'api', 'a-api-1', '1'), compose('b', 'api', 'b-api-1', '2', 'exited')];
    refusal(TargetsSpanProjectsError, { service: 'api' }, {}, mixed);
  });

  it('is allowed with projects: any, with project, or with a scope', () => {
    expect(names({ service: 'api', projects: 'any' })).toHaveLength(3);
    expect(names({ service: 'api', project: 'shop' })).toEqual(['shop-api-1', 'shop-api-2']);
    expect(names({ service: 'api' }, { scope: 'legacy' })).toEqual(['legacy_api_1']);
  });

  it('leaves several standalone containers alone: they share no project to confuse', () => {
    expect(names({ labels: { tier: 'cache' } })).toEqual(['redis-cache', 'standalone']);
  });

  it('describes the projects of targets the way plan prints them', () => {
    expect(describeProjects([{ id: '1', name: 'a', project: 'shop' }])).toBe('compose project shop');
    expect(
      describeProjects([
        { id: '1', name: 'a', project: 'shop' },
        { id: '2', name: 'b', project: 'legacy' },
        { id: '3', name: 'c' },
      ]),
    ).toBe('compose projects shop, legacy and no compose project');
    expect(describeProjects([{ id: '3', name: 'c' }])).toBe('no compose project');
  });
});

describe('containers held by another faultline run', () => {
  const crew = [
    compose('shop', 'cron', 'shop-cron-1', 'c1', 'running'),
    compose('shop', 'cron', 'shop-cron-2', 'c2', 'paused'),
    compose('shop', 'cron', 'shop-cron-3', 'c3', 'exited'),
  ];
  const other: RunHolder = { runId: '1a2b3c4d', pid: 4242, file: '/srv/exp/pause-cron.yaml' };
  const holderOf = (id: string) => (id === 'c2' ? other : undefined);

  it('names the run, its pid and its file instead of saying nothing matches', () => {
    const error = refusal(TargetHeldError, { name: 'shop-cron-2' }, { holderOf }, crew);
    expect(error.code).toBe('TARGET_HELD');
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      'name shop-cron-2 is held by another faultline run: shop-cron-2 is paused by run 1a2b3c4d (pid 4242, /srv/exp/pause-cron.yaml)',
    );
    expect(error.message).not.toContain('no running container');
    expect(error.hint).toContain('faultline status');
  });

  it('names the run when a count cannot be met because of it', () => {
    const error = refusal(TargetHeldError, { service: 'cron', count: 2 }, { holderOf, scope: 'shop' }, crew);
    expect(error.message).toContain('shop-cron-2 is paused by run 1a2b3c4d');
  });

  it('keeps the plain message for a container paused by no run', () => {
    const error = refusal(NoTargetError, { name: 'shop-cron-3' }, { holderOf }, crew);
    expect(error.message).toBe('no running container matches name shop-cron-3 (shop-cron-3 is exited)');
  });

  it('does not refuse when enough running containers remain', () => {
    expect(names({ service: 'cron' }, { holderOf, scope: 'shop' }, crew)).toEqual(['shop-cron-1']);
  });
});

describe('resolveTargets', () => {
  it('lists every container (stopped ones too) and selects among them', async () => {
    const calls: unknown[] = [];
    const docker = {
      async listContainers(options?: { all?: boolean }) {
        calls.push(options);
        return CONTAINERS;
      },
    } as unknown as DockerClient;
    const targets = await resolveTargets(
      docker,
      { service: 'db' },
      { seed: 1, runningOnly: true, scope: 'shop' },
    );
    expect(targets.map((target) => target.name)).toEqual(['shop-db-1']);
    expect(calls).toEqual([{ all: true }]);
  });
});

describe('describeSelector and describeTarget', () => {
  it('describes a selector the way reports and errors print it', () => {
    expect(describeSelector({ service: 'api' }, 'shop')).toBe('service shop/api');
    expect(describeSelector({ service: 'api', project: 'legacy' }, 'shop')).toBe('service legacy/api');
    expect(describeSelector({ service: 'api' })).toBe('service api');
    expect(describeSelector({ name: 'db', count: 1 })).toBe('name db, count 1');
    expect(describeSelector({ labels: { a: '1', b: '2' }, percent: 50 })).toBe('labels a=1,b=2, 50%');
    expect(describeSelector({ id: 'abc', pattern: '^x' })).toBe('id abc, name matching /^x/');
    expect(describeSelector({ pattern: '^x', project: 'shop' })).toBe('name matching /^x/, project shop');
    expect(describeSelector({ service: 'api', projects: 'any' })).toBe('service api, any project');
  });

  it('describes a target with its service, and shortens ids to 12 characters', () => {
    expect(describeTarget({ id: '1', name: 'shop-api-1', service: 'api' })).toBe('shop-api-1 (service api)');
    expect(describeTarget({ id: '1', name: 'standalone' })).toBe('standalone');
    expect(shortId('0123456789abcdef0123')).toBe('0123456789ab');
  });
});
