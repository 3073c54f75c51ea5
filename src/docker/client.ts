/**
 * The small part of the Docker Engine API that faultline uses. The core depends on this interface only;
 * `dockerode-client.ts` implements it, and unit tests fake it.
 */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** running, paused, exited, created, restarting, removing, dead */
  state: string;
  labels: Record<string, string>;
}

export interface ContainerDetails extends ContainerSummary {
  running: boolean;
  paused: boolean;
  restarting: boolean;
  /** healthy, unhealthy, starting, or none when the image has no health check */
  health: string;
  restartCount: number;
  pid: number;
  exitCode: number;
  startedAt: string;
  restartPolicy: string;
  networkMode: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface DockerClient {
  /** Resolves with the Engine's API version; rejects with a DockerUnavailableError. */
  ping(): Promise<{ apiVersion: string; version: string }>;
  listContainers(options?: { all?: boolean }): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerDetails>;
  kill(id: string, signal: string): Promise<void>;
  stop(id: string, graceSeconds: number): Promise<void>;
  start(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  restart(id: string, graceSeconds: number): Promise<void>;
  exec(
    id: string,
    argv: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ExecResult>;
}

/** Error from the Engine with its HTTP status; 404 means the container is gone. */
export class DockerApiError extends Error {
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerApiError';
    this.statusCode = statusCode;
  }
  get notFound(): boolean {
    return this.statusCode === 404;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof DockerApiError && error.notFound;
}
