import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { EnvironmentError } from '../errors.js';
import { killPoint } from '../util/kill-points.js';
import {
  type ContainerDetails,
  type ContainerNetwork,
  type ContainerSummary,
  DockerApiError,
  type DockerClient,
  type ExecResult,
  type HelperSpec,
} from './client.js';

/** Connects the way the docker CLI does: DOCKER_HOST, else the local socket. */
export function createDockerClient(env: NodeJS.ProcessEnv = process.env): DockerClient {
  checkDockerHost(env.DOCKER_HOST);
  try {
    return new DockerodeClient(new Docker());
  } catch (error) {
    // docker-modem refuses a tcp:// or ssh:// value that is not a URL.
    throw new DockerEndpointError(
      env.DOCKER_HOST ?? '',
      'expected a URL such as tcp://127.0.0.1:2375',
      error,
    );
  }
}

const ENDPOINT_SCHEMES = ['unix', 'tcp', 'npipe', 'ssh'];
const EXPECTED_SCHEMES = 'expected unix://, tcp://, npipe:// or ssh://';

/**
 * Refuses a DOCKER_HOST that names no Docker endpoint before anything connects. Like the docker CLI,
 * a value without a scheme (host:port) means tcp://.
 */
export function checkDockerHost(value: string | undefined): void {
  if (value === undefined || value === '' || !value.includes('://')) return;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme === undefined || !ENDPOINT_SCHEMES.includes(scheme)) {
    throw new DockerEndpointError(value, EXPECTED_SCHEMES);
  }
}

export class DockerEndpointError extends EnvironmentError {
  constructor(value: string, reason: string, cause?: unknown) {
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value).slice(1, -1);
    super('DOCKER_HOST_INVALID', `DOCKER_HOST=${shown} is not a Docker endpoint: ${reason}`, {
      hint: 'Set DOCKER_HOST to e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375, or unset it to use the local socket.',
      cause,
    });
  }
}

export class DockerUnavailableError extends EnvironmentError {
  constructor(cause: unknown) {
    const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    super('DOCKER_UNAVAILABLE', `cannot reach the Docker Engine at ${where}: ${describe(cause)}`, {
      hint: 'Start Docker (or `sudo dockerd`), check DOCKER_HOST, and check that you may use the socket.',
      cause,
    });
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'the socket does not exist';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

const CONNECTION_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // A DOCKER_HOST whose host name does not resolve or cannot be reached.
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function wrap(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && CONNECTION_CODES.has(code)) return new DockerUnavailableError(error);
  const statusCode = (error as { statusCode?: number }).statusCode;
  const json = (error as { json?: { message?: string } }).json;
  const message = json?.message ?? (error instanceof Error ? error.message : String(error));
  return new DockerApiError(message.trim(), statusCode, { cause: error });
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw wrap(error);
  }
}

/** A call that changes a container, once sent: the crash-safety tests kill the run while it is in flight. */
function sent<T>(request: Promise<T>): Promise<T> {
  killPoint('docker-call-sent');
  return request;
}

interface EngineNetwork {
  IPAddress?: string;
  IPPrefixLen?: number;
  GlobalIPv6Address?: string;
  Gateway?: string;
}

/** The Engine lists and inspects a container's networks in the same shape. */
function toNetworks(networks: Record<string, EngineNetwork> | undefined): ContainerNetwork[] {
  return Object.entries(networks ?? {}).map(([name, network]) => ({
    name,
    ipv4: network.IPAddress || undefined,
    ipv4PrefixLength: network.IPPrefixLen || undefined,
    ipv6: network.GlobalIPv6Address || undefined,
    gateway: network.Gateway || undefined,
  }));
}

class DockerodeClient implements DockerClient {
  constructor(private readonly docker: Docker) {}

  async ping(): Promise<{ apiVersion: string; version: string; engine: string }> {
    const version = await call(() => this.docker.version());
    // Podman answers the same call, and names itself among the components.
    const podman = version.Components?.some((component) => component.Name === 'Podman Engine');
    return {
      apiVersion: version.ApiVersion,
      version: version.Version,
      engine: podman ? 'Podman' : 'Docker Engine',
    };
  }

  async listContainers(options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const list = await call(() => this.docker.listContainers({ all: options.all ?? false }));
    return Promise.all(
      list.map(async (item) => ({
        id: item.Id,
        name: (item.Names[0] ?? item.Id).replace(/^\//, ''),
        image: item.Image,
        state: item.State,
        labels: item.Labels ?? {},
        networkMode: item.HostConfig?.NetworkMode ?? (await this.networkModeOf(item.Id)),
        networks: toNetworks(item.NetworkSettings?.Networks),
      })),
    );
  }

  /**
   * Podman's Docker-compatible list leaves out HostConfig, so a container on the host's network would
   * look like any other: ask for it container by container. Undefined when the container is gone.
   */
  private async networkModeOf(id: string): Promise<string | undefined> {
    try {
      const info = await call(() => this.docker.getContainer(id).inspect());
      return info.HostConfig.NetworkMode;
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return undefined;
      throw error;
    }
  }

  async inspect(id: string): Promise<ContainerDetails> {
    const info = await call(() => this.docker.getContainer(id).inspect());
    const state = info.State;
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      state: state.Status,
      labels: info.Config.Labels ?? {},
      running: state.Running,
      paused: state.Paused,
      restarting: state.Restarting,
      health: state.Health?.Status ?? 'none',
      restartCount: info.RestartCount,
      pid: state.Pid,
      exitCode: state.ExitCode,
      startedAt: state.StartedAt,
      restartPolicy: info.HostConfig.RestartPolicy?.Name ?? 'no',
      networkMode: info.HostConfig.NetworkMode ?? 'default',
      networks: toNetworks(info.NetworkSettings?.Networks),
    };
  }

  async kill(id: string, signal: string): Promise<void> {
    await sent(call(() => this.docker.getContainer(id).kill({ signal })));
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    await sent(call(() => this.docker.getContainer(id).stop({ t: graceSeconds })));
  }

  async start(id: string): Promise<void> {
    await call(() => this.docker.getContainer(id).start());
  }

  async pause(id: string): Promise<void> {
    await sent(call(() => this.docker.getContainer(id).pause()));
  }

  async unpause(id: string): Promise<void> {
    await call(() => this.docker.getContainer(id).unpause());
  }

  async restart(id: string, graceSeconds: number): Promise<void> {
    await sent(call(() => this.docker.getContainer(id).restart({ t: graceSeconds })));
  }

  async runHelper(spec: HelperSpec): Promise<string> {
    const container = await call(() =>
      this.docker.createContainer({
        Image: spec.image,
        Cmd: spec.cmd,
        Labels: spec.labels,
        ...(spec.name ? { name: spec.name } : {}),
        HostConfig: { NetworkMode: spec.networkMode, CapAdd: spec.capAdd, AutoRemove: false },
      }),
    );
    try {
      await call(() => container.start());
    } catch (error) {
      await this.remove(container.id).catch(() => undefined);
      throw error;
    }
    return container.id;
  }

  async remove(id: string): Promise<void> {
    try {
      await call(() => this.docker.getContainer(id).remove({ force: true, v: true }));
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return;
      throw error;
    }
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await call(() => this.docker.getImage(image).inspect());
      return true;
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return false;
      throw error;
    }
  }

  async exec(
    id: string,
    argv: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const container = this.docker.getContainer(id);
    const exec = await call(() =>
      container.exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, Tty: false }),
    );
    const stream = await call(() => exec.start({ hijack: true, stdin: false }));
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    this.docker.modem.demuxStream(stream, stdout, stderr);

    const timedOut = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(true), options.timeoutMs);
      const onAbort = () => finish(true);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      function finish(value: boolean) {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(value);
      }
      stream.on('end', () => finish(false));
      stream.on('close', () => finish(false));
      stream.on('error', () => finish(false));
    });
    if (timedOut) stream.destroy();
    const inspected = timedOut ? undefined : await call(() => exec.inspect());
    return {
      exitCode: inspected?.ExitCode ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      timedOut,
    };
  }
}
