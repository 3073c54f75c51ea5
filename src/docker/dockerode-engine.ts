import { createReadStream } from 'node:fs';
import type Docker from 'dockerode';
import { killPoint } from '../util/kill-points.js';
import { runAttached } from './attached-helper.js';
import {
  type AttachedHelper,
  type CgroupSetup,
  type ContainerDetails,
  type ContainerResources,
  type ContainerSummary,
  DockerApiError,
  type DockerClient,
  type EnginePlatform,
  type ExecOptions,
  type ExecResult,
  type HelperSpec,
  type ImageBuildSpec,
  type ImageDetails,
  type ImageImportSpec,
  type ProcessList,
  type ProgressStream,
  type ResourceUpdate,
} from './client.js';
import { dockerodeFor } from './dockerode-connection.js';
import type { Connection } from './dockerode-options.js';
import type { DockerEndpoint } from './endpoint.js';
import { wrap } from './engine-errors.js';
import { demuxLogs, helperCreateOptions, toNetworks } from './engine-shapes.js';
import { execIn } from './exec.js';
import { exitInProgress, removalInProgress, removeOnceExited, untilGone } from './removal.js';

/**
 * The dockerode client for the Engine at `endpoint`. Loading this module loads dockerode (and its ssh,
 * grpc and protobuf modules): `dockerode-client.ts` loads it on the first Engine call only.
 */
export function connectDockerode(endpoint: DockerEndpoint, connection: Connection): Required<DockerClient> {
  return new DockerodeClient(dockerodeFor(endpoint, connection), endpoint);
}

/** A call that changes a container, once sent: the crash-safety tests kill the run while it is in flight. */
function sent<T>(request: Promise<T>): Promise<T> {
  killPoint('docker-call-sent');
  return request;
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
      pidMode: info.HostConfig.PidMode ?? '',
      networks: toNetworks(info.NetworkSettings?.Networks),
      oomKilled: state.OOMKilled,
      memoryLimit: info.HostConfig.Memory ?? 0,
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

  async resources(id: string): Promise<ContainerResources> {
    const config = (await this.call(() => this.docker.getContainer(id).inspect())).HostConfig;
    return {
      nanoCpus: config.NanoCpus ?? 0,
      cpuQuota: config.CpuQuota ?? 0,
      cpuPeriod: config.CpuPeriod ?? 0,
      memory: config.Memory ?? 0,
      memorySwap: config.MemorySwap ?? 0,
      pidsLimit: config.PidsLimit ?? null,
    };
  }

  async update(id: string, changes: ResourceUpdate): Promise<void> {
    await sent(this.call(() => this.docker.getContainer(id).update(changes)));
  }

  async top(id: string, psArgs: string): Promise<ProcessList> {
    const answer = await this.call(() => this.docker.getContainer(id).top({ ps_args: psArgs }));
    const { Titles, Processes } = answer as { Titles?: string[]; Processes?: string[][] };
    return { titles: Titles ?? [], processes: Processes ?? [] };
  }

  async runHelper(spec: HelperSpec): Promise<string> {
    const container = await this.call(() => this.docker.createContainer(helperCreateOptions(spec)));
    try {
      await this.call(() => container.start());
    } catch (error) {
      await this.remove(container.id).catch(() => undefined);
      throw error;
    }
    return container.id;
  }

  async logs(id: string): Promise<string> {
    const raw = await this.call(() =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false }),
    );
    return demuxLogs(Buffer.from(raw as unknown as Uint8Array));
  }

  async cgroupSetup(): Promise<CgroupSetup> {
    const info = await this.call(() => this.docker.info());
    return {
      driver: String(info.CgroupDriver ?? 'cgroupfs'),
      version: String(info.CgroupVersion ?? '1'),
      securityOptions: ((info.SecurityOptions as string[] | undefined) ?? []).map(String),
    };
  }

  async remove(id: string): Promise<void> {
    try {
      await this.call(() => this.docker.getContainer(id).remove({ force: true, v: true }));
    } catch (error) {
      if (error instanceof DockerApiError && error.notFound) return;
      // Another caller (the watchdog, a revert racing it) is removing it: done once it is gone.
      if (removalInProgress(error)) return untilGone(id, (container) => this.inspect(container));
      if (exitInProgress(error)) return removeOnceExited(() => this.remove(id));
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

  exec(id: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    return execIn(this.docker, id, argv, options, (operation) => this.call(operation));
  }

  runAttachedHelper(spec: HelperSpec): Promise<AttachedHelper> {
    return runAttached(
      this.docker,
      spec,
      (operation) => this.call(operation),
      (id) => this.remove(id),
    );
  }
}
