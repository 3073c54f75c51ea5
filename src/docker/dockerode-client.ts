import { createReadStream, readFileSync } from 'node:fs';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { EnvironmentError, FaultlineError } from '../errors.js';
import { killPoint } from '../util/kill-points.js';
import {
  type ContainerDetails,
  type ContainerNetwork,
  type ContainerSummary,
  DockerApiError,
  type DockerClient,
  type EnginePlatform,
  type ExecResult,
  type HelperSpec,
  type ImageBuildSpec,
  type ImageDetails,
  type ImageImportSpec,
  type ProgressStream,
} from './client.js';
import {
  DEFAULT_DOCKER_HOST,
  type DockerEndpoint,
  describeEndpoint,
  EndpointError,
  resolveEndpoint,
} from './endpoint.js';
import { dockerodeOverSsh } from './ssh-agent.js';

/**
 * A client for the Engine at `endpoint` (see endpoint.ts: resolved as the docker CLI resolves it).
 * Every option is given explicitly: docker-modem would otherwise fill gaps from DOCKER_HOST and
 * DOCKER_CERT_PATH, and reach a different Engine than the one the user chose.
 */
export function createDockerClient(endpoint: DockerEndpoint = resolveEndpoint({})): DockerClient {
  return new DockerodeClient(dockerodeFor(endpoint), endpoint);
}

export function dockerodeFor(endpoint: DockerEndpoint): Docker {
  const none = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  const url = endpoint.host;
  try {
    if (url.startsWith('unix://')) return new Docker({ ...none, socketPath: url.slice('unix://'.length) });
    if (url.startsWith('npipe://')) return new Docker({ ...none, socketPath: url.slice('npipe://'.length) });
    const parsed = new URL(url);
    if (parsed.protocol === 'ssh:') return dockerodeOverSsh(parsed);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const port = Number(parsed.port || 2375);
    if (!endpoint.tls) return new Docker({ ...none, protocol: 'http', host, port });
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
    const agent = new https.Agent({
      keepAlive: true,
      ca: read(endpoint.tls.ca),
      cert: read(endpoint.tls.cert),
      key: read(endpoint.tls.key),
      rejectUnauthorized: endpoint.tls.verify,
    });
    return new Docker({ ...none, protocol: 'https', host, port, agent } as Docker.DockerOptions);
  } catch (error) {
    throw new EndpointError(
      `cannot use the Docker endpoint ${describeEndpoint(endpoint)}: ${error instanceof Error ? error.message : String(error)}`,
      endpoint.tls
        ? 'Check that the TLS files (ca.pem, cert.pem, key.pem) exist and are readable.'
        : 'Check the endpoint (--host, --context, DOCKER_HOST, DOCKER_CONTEXT).',
    );
  }
}

export class DockerUnavailableError extends EnvironmentError {
  constructor(cause: unknown, endpoint?: DockerEndpoint) {
    const where = endpoint ? describeEndpoint(endpoint) : DEFAULT_DOCKER_HOST;
    super('DOCKER_UNAVAILABLE', `cannot reach the Docker Engine at ${where}: ${describe(cause)}`, {
      hint: 'Start Docker (or `sudo dockerd`), check that you may use the socket, and check which Engine you mean (--host, --context, DOCKER_HOST, DOCKER_CONTEXT).',
      cause,
    });
  }
}

export class DockerTlsError extends EnvironmentError {
  constructor(cause: unknown, endpoint: DockerEndpoint) {
    super(
      'DOCKER_TLS_FAILED',
      `cannot reach the Docker Engine at ${describeEndpoint(endpoint)}: TLS: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        hint: "Check that ca.pem is the CA that signed the Engine's certificate, and that cert.pem and key.pem are a client certificate it accepts (DOCKER_CERT_PATH, or the context's TLS files).",
        cause,
      },
    );
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

function wrap(error: unknown, endpoint?: DockerEndpoint): Error {
  // faultline's own errors (an ssh connection that failed, say) already say what to do.
  if (error instanceof FaultlineError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && CONNECTION_CODES.has(code)) return new DockerUnavailableError(error, endpoint);
  if (endpoint?.tls && isTlsError(error)) return new DockerTlsError(error, endpoint);
  const statusCode = (error as { statusCode?: number }).statusCode;
  const json = (error as { json?: { message?: string } }).json;
  const message = json?.message ?? (error instanceof Error ? error.message : String(error));
  return new DockerApiError(message.trim(), statusCode, { cause: error });
}

/** TLS failures: something answers, but faultline cannot talk to it safely. */
function isTlsError(error: unknown): boolean {
  const code = String((error as NodeJS.ErrnoException).code ?? '');
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'EPROTO'
  );
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
  constructor(
    private readonly docker: Docker,
    readonly endpoint: DockerEndpoint,
  ) {}

  /** Every Engine call goes through here, so that errors name the endpoint. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw wrap(error, this.endpoint);
    }
  }

  async ping(): Promise<{ apiVersion: string; version: string; engine: string }> {
    const version = await this.call(() => this.docker.version());
    // Podman answers the same call, and names itself among the components.
    const podman = version.Components?.some((component) => component.Name === 'Podman Engine');
    return {
      apiVersion: version.ApiVersion,
      version: version.Version,
      engine: podman ? 'Podman' : 'Docker Engine',
    };
  }

  async listContainers(options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const list = await this.call(() => this.docker.listContainers({ all: options.all ?? false }));
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
      const info = await this.call(() => this.docker.getContainer(id).inspect());
      return info.HostConfig.NetworkMode;
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return undefined;
      throw error;
    }
  }

  async inspect(id: string): Promise<ContainerDetails> {
    const info = await this.call(() => this.docker.getContainer(id).inspect());
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
    await sent(this.call(() => this.docker.getContainer(id).kill({ signal })));
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    await sent(this.call(() => this.docker.getContainer(id).stop({ t: graceSeconds })));
  }

  async start(id: string): Promise<void> {
    await this.call(() => this.docker.getContainer(id).start());
  }

  async pause(id: string): Promise<void> {
    await sent(this.call(() => this.docker.getContainer(id).pause()));
  }

  async unpause(id: string): Promise<void> {
    await this.call(() => this.docker.getContainer(id).unpause());
  }

  async restart(id: string, graceSeconds: number): Promise<void> {
    await sent(this.call(() => this.docker.getContainer(id).restart({ t: graceSeconds })));
  }

  async runHelper(spec: HelperSpec): Promise<string> {
    const container = await this.call(() =>
      this.docker.createContainer({
        Image: spec.image,
        Cmd: spec.cmd,
        Labels: spec.labels,
        ...(spec.name ? { name: spec.name } : {}),
        HostConfig: { NetworkMode: spec.networkMode, CapAdd: spec.capAdd, AutoRemove: false },
      }),
    );
    try {
      await this.call(() => container.start());
    } catch (error) {
      await this.remove(container.id).catch(() => undefined);
      throw error;
    }
    return container.id;
  }

  async remove(id: string): Promise<void> {
    try {
      await this.call(() => this.docker.getContainer(id).remove({ force: true, v: true }));
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return;
      throw error;
    }
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.call(() => this.docker.getImage(image).inspect());
      return true;
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return false;
      throw error;
    }
  }

  async enginePlatform(): Promise<EnginePlatform> {
    const version = await this.call(() => this.docker.version());
    return { os: version.Os, arch: version.Arch, kernel: version.KernelVersion };
  }

  async inspectImage(image: string): Promise<ImageDetails> {
    const info = await this.call(() => this.docker.getImage(image).inspect());
    return { id: info.Id, labels: info.Config?.Labels ?? {}, sizeBytes: info.Size, createdAt: info.Created };
  }

  async removeImage(image: string): Promise<void> {
    await this.call(() => this.docker.getImage(image).remove());
  }

  async pullImage(image: string): Promise<ProgressStream> {
    return this.call(() => this.docker.pull(image) as Promise<ProgressStream>);
  }

  async buildImage(spec: ImageBuildSpec): Promise<ProgressStream> {
    const options = {
      t: spec.tag,
      buildargs: spec.buildArgs,
      labels: spec.labels,
      rm: true,
      forcerm: true,
      ...(spec.network ? { networkmode: spec.network } : {}),
    };
    return this.call(() => this.docker.buildImage({ context: spec.contextDir, src: spec.files }, options));
  }

  async importImage(spec: ImageImportSpec): Promise<ProgressStream> {
    const { repo, tag, changes } = spec;
    return this.call(() => this.docker.importImage(createReadStream(spec.tarFile), { repo, tag, changes }));
  }

  async exec(
    id: string,
    argv: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const container = this.docker.getContainer(id);
    const exec = await this.call(() =>
      container.exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, Tty: false }),
    );
    const stream = await this.call(() => exec.start({ hijack: true, stdin: false }));
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
    const inspected = timedOut ? undefined : await this.call(() => exec.inspect());
    return {
      exitCode: inspected?.ExitCode ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      timedOut,
    };
  }
}
