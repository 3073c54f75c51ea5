import type { ContainerSummary } from '../docker/client.js';
import { COMPOSE_PROJECT, COMPOSE_SERVICE, FAULTLINE_HELPER } from '../docker/labels.js';
import type { TargetSelector } from '../experiment/schema.js';
import { didYouMean } from '../util/did-you-mean.js';

/**
 * Whether a container is one a selector names. `service` and `name` may each be one value or a list;
 * a list names the union of its entries' matches. The scope bounds every selector, whatever it selects
 * by: a container of another project (or of none) is never a match.
 */
export function matches(container: ContainerSummary, selector: TargetSelector, scope?: string): boolean {
  const labels = container.labels;
  if (labels[FAULTLINE_HELPER] !== undefined) return false;
  const names = listOf(selector.name);
  if (names && !names.some((name) => container.name === name.replace(/^\//, ''))) return false;
  if (selector.id !== undefined && !container.id.startsWith(selector.id)) return false;
  const services = listOf(selector.service);
  if (services && !services.includes(labels[COMPOSE_SERVICE] ?? '\u0000')) return false;
  if (scope !== undefined && labels[COMPOSE_PROJECT] !== scope) return false;
  if (selector.project !== undefined && labels[COMPOSE_PROJECT] !== selector.project) return false;
  if (selector.labels) {
    for (const [key, value] of Object.entries(selector.labels)) {
      if (labels[key] !== value) return false;
    }
  }
  if (selector.pattern !== undefined && !new RegExp(selector.pattern).test(container.name)) return false;
  return true;
}

/** One value or a list, as a list; undefined stays undefined. */
export function listOf(value: string | readonly string[] | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}

export function describeSelector(selector: TargetSelector, scope?: string): string {
  const parts: string[] = [];
  const services = listOf(selector.service);
  const project = selector.project ?? (services ? scope : undefined);
  if (services) {
    const each = services.map((service) => (project ? `${project}/${service}` : service));
    parts.push(`service ${each.join(' or ')}`);
  }
  const names = listOf(selector.name);
  if (names) parts.push(`name ${names.join(' or ')}`);
  if (selector.id) parts.push(`id ${selector.id}`);
  if (selector.pattern) parts.push(`name matching /${selector.pattern}/`);
  if (selector.labels) {
    parts.push(
      `labels ${Object.entries(selector.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',')}`,
    );
  }
  if (selector.project && !services) parts.push(`project ${selector.project}`);
  if (selector.projects === 'any') parts.push('any project');
  if (selector.count !== undefined) parts.push(`count ${selector.count}`);
  if (selector.percent !== undefined) parts.push(`${selector.percent}%`);
  return parts.join(', ');
}

/**
 * The first service or name a selector lists that matches no container (the rest of the selector
 * applied), with a close name that exists, if any. A list is a union: without this, a typo in one
 * entry would quietly shrink the blast radius instead of being told.
 */
export function unmatchedEntry(
  containers: readonly ContainerSummary[],
  selector: TargetSelector,
  scope: string | undefined,
): { what: string; near: string } | undefined {
  const keys = [
    ['service', (container: ContainerSummary) => container.labels[COMPOSE_SERVICE]],
    ['name', (container: ContainerSummary) => container.name],
  ] as const;
  for (const [key, read] of keys) {
    const entries = listOf(selector[key]);
    if (!entries) continue;
    // The other constraints of the selector, without this key: where a close name is looked for.
    const others = { ...selector, [key]: undefined };
    const around = containers.filter((container) => matches(container, others, scope));
    for (const entry of entries) {
      const one = { ...selector, [key]: entry };
      if (containers.some((container) => matches(container, one, scope))) continue;
      const known = [...new Set(around.map(read).filter((value) => value !== undefined))];
      return { what: `${key} ${entry}`, near: didYouMean(entry.replace(/^\//, ''), known) };
    }
  }
  return undefined;
}
