/** A container a step acts on, as resolved when the run starts. */
export interface Target {
  id: string;
  name: string;
  /** Compose service and project, when the container belongs to one. */
  service?: string | undefined;
  project?: string | undefined;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function describeTarget(target: Target): string {
  return target.service ? `${target.name} (service ${target.service})` : target.name;
}
