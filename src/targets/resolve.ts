import type { ContainerSummary, DockerClient } from '../docker/client.js';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../docker/labels.js';
import { EnvironmentError } from '../errors.js';
import type { TargetSelector } from '../experiment/schema.js';
import { createRandom, pickRandom } from '../util/random.js';
import { describeSelector, matches, unmatchedEntry } from './match.js';
import type { Target } from './target.js';

export { describeSelector, matches } from './match.js';

export interface ResolveOptions {
  /** scope.compose: the one compose project every selector is bounded to. */
  scope?: string | undefined;
  /** Seed for count/percent selection. */
  seed: number;
  /** Faults need running containers; a container probe may look at stopped ones. */
  runningOnly: boolean;
  /** The live faultline run holding a container's lock, if any, so a refusal can name it. */
  holderOf?: ((containerId: string) => RunHolder | undefined) | undefined;
}

/** Another faultline run, as its lock names it. */
export interface RunHolder {
  runId: string;
  pid: number;
  file: string;
}

/** A selector that cannot be resolved to the containers it should name: found before any injection. */
export class TargetSelectionError extends EnvironmentError {}

export class NoTargetError extends TargetSelectionError {
  constructor(message: string, hint: string) {
    super('NO_TARGET', message, { hint });
  }
}

/** A selector matches containers of several compose projects (or compose and standalone ones). */
export class TargetsSpanProjectsError extends TargetSelectionError {
  constructor(message: string) {
    super('TARGETS_SPAN_PROJECTS', message, {
      hint: 'Name the project you mean: set scope.compose, or project: on the selector. To fault them all on purpose, add projects: any to the selector.',
    });
  }
}

/** The containers a selector names are held (paused, stopped) by another faultline run. */
export class TargetHeldError extends TargetSelectionError {
  constructor(message: string) {
    super('TARGET_HELD', message, {
      hint: 'Wait for that run to end (`faultline status` lists active runs; `faultline recover` reverts a dead one), then run again.',
    });
  }
}

export function toTarget(container: ContainerSummary): Target {
  return {
    id: container.id,
    name: container.name,
    service: container.labels[COMPOSE_SERVICE],
    project: container.labels[COMPOSE_PROJECT],
  };
}

/**
 * Picks the containers a selector names from a listing. No match, a match across compose projects
 * (unless the selector says projects: any) and a match held by another run are errors, raised before
 * anything is injected: a fault that hits nothing, or hits what was not meant, must never run.
 */
export function selectTargets(
  containers: readonly ContainerSummary[],
  selector: TargetSelector,
  options: ResolveOptions,
): Target[] {
  const matching = containers
    .filter((container) => matches(container, selector, options.scope))
    .sort((a, b) => a.name.localeCompare(b.name));
  const what = describeSelector(selector, options.scope);
  if (matching.length === 0) throw noMatch(containers, selector, what, options.scope);
  const unmatched = unmatchedEntry(containers, selector, options.scope);
  if (unmatched !== undefined) {
    throw new NoTargetError(
      `${what}: ${unmatched.what} matches no container${unmatched.near}`,
      'Every service and name of a list must match a container: fix the name, or drop it from the list.',
    );
  }
  if (selector.projects !== 'any') checkOneProject(matching, what);

  const usable = options.runningOnly
    ? matching.filter((container) => container.state === 'running')
    : matching;
  const wanted = selector.count ?? 1;
  if (usable.length < wanted) {
    const held = matching.flatMap((container) => {
      const holder = container.state === 'running' ? undefined : options.holderOf?.(container.id);
      return holder
        ? [
            `${container.name} is ${container.state} by run ${holder.runId} (pid ${holder.pid}, ${holder.file})`,
          ]
        : [];
    });
    if (held.length > 0) {
      throw new TargetHeldError(`${what} is held by another faultline run: ${held.join('; ')}`);
    }
  }
  if (usable.length === 0) {
    const states = matching.map((container) => `${container.name} is ${container.state}`).join(', ');
    throw new NoTargetError(
      `no running container matches ${what} (${states})`,
      'Start the containers (`docker unpause` a paused one), then run again.',
    );
  }
  if (selector.id !== undefined && usable.length > 1) {
    throw new NoTargetError(
      `id ${selector.id} is ambiguous: it matches ${usable.length} containers`,
      'Use a longer id.',
    );
  }

  const random = createRandom(options.seed);
  if (selector.count !== undefined) {
    if (selector.count > usable.length) {
      throw new NoTargetError(
        `${what}: asked for ${selector.count} containers, but only ${usable.length} ${usable.length === 1 ? 'is' : 'are'} running`,
        'Lower count, or scale the service up.',
      );
    }
    return pickRandom(usable, selector.count, random).map(toTarget);
  }
  if (selector.percent !== undefined) {
    const count = Math.max(1, Math.round((usable.length * selector.percent) / 100));
    return pickRandom(usable, count, random).map(toTarget);
  }
  return usable.map(toTarget);
}

/** The compose projects of some containers, by name; standalone containers under undefined. */
export function projectsOf(
  containers: readonly { name: string; project?: string | undefined }[],
): Map<string | undefined, string[]> {
  const projects = new Map<string | undefined, string[]>();
  for (const container of containers) {
    const names = projects.get(container.project) ?? [];
    names.push(container.name);
    projects.set(container.project, names);
  }
  return projects;
}

/** Compose project(s) of targets, as `plan` shows them. */
export function describeProjects(targets: readonly Target[]): string {
  const projects = [...projectsOf(targets).keys()];
  const named = projects.filter((project): project is string => project !== undefined);
  const parts: string[] = [];
  if (named.length > 0) parts.push(`compose project${named.length > 1 ? 's' : ''} ${named.join(', ')}`);
  if (projects.includes(undefined)) parts.push('no compose project');
  return parts.join(' and ');
}

function checkOneProject(matching: readonly ContainerSummary[], what: string): void {
  const projects = projectsOf(matching.map(toTarget));
  if (projects.size <= 1) return;
  const byName = [...projects].sort(([a], [b]) =>
    a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b),
  );
  const groups = byName.map(([project, names]) =>
    project === undefined ? `no compose project (${names.join(', ')})` : `${project} (${names.join(', ')})`,
  );
  const named = [...projects.keys()].filter((project) => project !== undefined).length;
  const spread = `${named} compose project${named === 1 ? '' : 's'}${projects.has(undefined) ? ' and standalone containers' : ''}`;
  throw new TargetsSpanProjectsError(
    `${what} matches containers of ${spread}, refused so as not to fault the wrong one: ${groups.join('; ')}`,
  );
}

function noMatch(
  containers: readonly ContainerSummary[],
  selector: TargetSelector,
  what: string,
  scope: string | undefined,
): NoTargetError {
  if (scope !== undefined) {
    const outside = containers
      .filter((container) => matches(container, selector))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (outside.length > 0) {
      const where = outside
        .slice(0, 5)
        .map(
          (container) =>
            `${container.name} is in ${container.labels[COMPOSE_PROJECT] ? `project ${container.labels[COMPOSE_PROJECT]}` : 'no compose project'}`,
        );
      return new NoTargetError(
        `no container of compose project ${scope} matches ${what} (outside scope.compose: ${where.join(', ')}${outside.length > 5 ? ', ...' : ''})`,
        'scope.compose bounds every target of the experiment. Target a container of that project, or drop scope.compose and give each selector its project.',
      );
    }
  }
  const compose = selector.service !== undefined && !selector.project && !scope;
  const unmatched = unmatchedEntry(containers, selector, scope);
  return new NoTargetError(
    `no container matches ${what}${unmatched?.near ?? ''}`,
    compose
      ? 'Is the stack up (`docker compose ps`)? Set scope.compose or target.project to name the compose project.'
      : 'Is the stack up? `docker ps` lists the containers; `faultline plan` shows what each step resolves to.',
  );
}

export async function resolveTargets(
  docker: DockerClient,
  selector: TargetSelector,
  options: ResolveOptions,
): Promise<Target[]> {
  return selectTargets(await docker.listContainers({ all: true }), selector, options);
}
