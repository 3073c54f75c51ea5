import type { ContainerSummary, DockerClient } from '../docker/client.js';
import { COMPOSE_PROJECT, COMPOSE_SERVICE, FAULTLINE_HELPER } from '../docker/labels.js';
import { EnvironmentError } from '../errors.js';
import type { TargetSelector } from '../experiment/schema.js';
import { createRandom, pickRandom } from '../util/random.js';
import type { Target } from './target.js';

export interface ResolveOptions {
  /** Compose project used when the selector names a service without a project. */
  defaultProject?: string | undefined;
  /** Seed for count/percent selection. */
  seed: number;
  /** Faults need running containers; a container probe may look at stopped ones. */
  runningOnly: boolean;
}

export class NoTargetError extends EnvironmentError {
  constructor(message: string, hint: string) {
    super('NO_TARGET', message, { hint });
  }
}

export function describeSelector(selector: TargetSelector, defaultProject?: string): string {
  const parts: string[] = [];
  const project = selector.project ?? (selector.service ? defaultProject : undefined);
  if (selector.service)
    parts.push(project ? `service ${project}/${selector.service}` : `service ${selector.service}`);
  if (selector.name) parts.push(`name ${selector.name}`);
  if (selector.id) parts.push(`id ${selector.id}`);
  if (selector.pattern) parts.push(`name matching /${selector.pattern}/`);
  if (selector.labels) {
    parts.push(
      `labels ${Object.entries(selector.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',')}`,
    );
  }
  if (selector.count !== undefined) parts.push(`count ${selector.count}`);
  if (selector.percent !== undefined) parts.push(`${selector.percent}%`);
  return parts.join(', ');
}

export function matches(
  container: ContainerSummary,
  selector: TargetSelector,
  defaultProject?: string,
): boolean {
  const labels = container.labels;
  if (labels[FAULTLINE_HELPER] !== undefined) return false;
  if (selector.name !== undefined && container.name !== selector.name.replace(/^\//, '')) return false;
  if (selector.id !== undefined && !container.id.startsWith(selector.id)) return false;
  if (selector.service !== undefined && labels[COMPOSE_SERVICE] !== selector.service) return false;
  const project = selector.project ?? (selector.service !== undefined ? defaultProject : undefined);
  if (project !== undefined && labels[COMPOSE_PROJECT] !== project) return false;
  if (selector.labels) {
    for (const [key, value] of Object.entries(selector.labels)) {
      if (labels[key] !== value) return false;
    }
  }
  if (selector.pattern !== undefined && !new RegExp(selector.pattern).test(container.name)) return false;
  return true;
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
 * Picks the containers a selector names from a listing. No match is an error, raised before anything
 * is injected: a fault that hits nothing must never look like a pass.
 */
export function selectTargets(
  containers: readonly ContainerSummary[],
  selector: TargetSelector,
  options: ResolveOptions,
): Target[] {
  const matching = containers
    .filter((container) => matches(container, selector, options.defaultProject))
    .sort((a, b) => a.name.localeCompare(b.name));
  const usable = options.runningOnly
    ? matching.filter((container) => container.state === 'running')
    : matching;
  const what = describeSelector(selector, options.defaultProject);

  if (usable.length === 0) {
    if (matching.length > 0) {
      const states = matching.map((container) => `${container.name} is ${container.state}`).join(', ');
      throw new NoTargetError(
        `no running container matches ${what} (${states})`,
        'Start the containers, then run again.',
      );
    }
    const compose = selector.service !== undefined && !selector.project && !options.defaultProject;
    throw new NoTargetError(
      `no container matches ${what}`,
      compose
        ? 'Is the stack up (`docker compose ps`)? Set scope.compose or target.project to name the compose project.'
        : 'Is the stack up? `docker ps` lists the containers; `faultline plan` shows what each step resolves to.',
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

export async function resolveTargets(
  docker: DockerClient,
  selector: TargetSelector,
  options: ResolveOptions,
): Promise<Target[]> {
  return selectTargets(await docker.listContainers({ all: true }), selector, options);
}
