import type {
  AttachedHelper,
  CgroupSetup,
  ContainerDetails,
  ContainerResources,
  ContainerSummary,
  DockerClient,
  EnginePlatform,
  ExecOptions,
  ExecResult,
  HelperSpec,
  ImageBuildSpec,
  ImageDetails,
  ImageImportSpec,
  ProcessList,
  ProgressStream,
  ResourceUpdate,
} from './client.js';
import { type Connection, connectionFor } from './dockerode-options.js';
import { type DockerEndpoint, resolveEndpoint } from './endpoint.js';

export { DockerTlsError, DockerUnavailableError } from './engine-errors.js';
export { demuxLogs } from './engine-shapes.js';

/**
 * A client for the Engine at `endpoint` (see endpoint.ts: resolved as the docker CLI resolves it).
 * dockerode is loaded, and connected, on the first Engine call: commands that never reach the Engine
 * (validate, explain, schema, --help) do not pay for loading it. An endpoint that cannot be used (a
 * malformed URL, an unreadable TLS file) throws here, as before any call.
 */
export function createDockerClient(endpoint: DockerEndpoint = resolveEndpoint({})): DockerClient {
  return new LazyDockerClient(endpoint, connectionFor(endpoint));
}

type Call<T> = (client: Required<DockerClient>) => Promise<T>;

class LazyDockerClient implements DockerClient {
  private client: Promise<Required<DockerClient>> | undefined;

  constructor(
    readonly endpoint: DockerEndpoint,
    private readonly connection: Connection,
  ) {}

  private async use<T>(call: Call<T>): Promise<T> {
    this.client ??= import('./dockerode-engine.js').then(({ connectDockerode }) =>
      connectDockerode(this.endpoint, this.connection),
    );
    return call(await this.client);
  }

  ping() {
    return this.use((c) => c.ping());
  }
  listContainers(options?: { all?: boolean }): Promise<ContainerSummary[]> {
    return this.use((c) => c.listContainers(options));
  }
  inspect(id: string): Promise<ContainerDetails> {
    return this.use((c) => c.inspect(id));
  }
  kill(id: string, signal: string): Promise<void> {
    return this.use((c) => c.kill(id, signal));
  }
  stop(id: string, graceSeconds: number): Promise<void> {
    return this.use((c) => c.stop(id, graceSeconds));
  }
  start(id: string): Promise<void> {
    return this.use((c) => c.start(id));
  }
  pause(id: string): Promise<void> {
    return this.use((c) => c.pause(id));
  }
  unpause(id: string): Promise<void> {
    return this.use((c) => c.unpause(id));
  }
  restart(id: string, graceSeconds: number): Promise<void> {
    return this.use((c) => c.restart(id, graceSeconds));
  }
  resources(id: string): Promise<ContainerResources> {
    return this.use((c) => c.resources(id));
  }
  update(id: string, changes: ResourceUpdate): Promise<void> {
    return this.use((c) => c.update(id, changes));
  }
  top(id: string, psArgs: string): Promise<ProcessList> {
    return this.use((c) => c.top(id, psArgs));
  }
  exec(id: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    return this.use((c) => c.exec(id, argv, options));
  }
  runHelper(spec: HelperSpec): Promise<string> {
    return this.use((c) => c.runHelper(spec));
  }
  runAttachedHelper(spec: HelperSpec): Promise<AttachedHelper> {
    return this.use((c) => c.runAttachedHelper(spec));
  }
  logs(id: string): Promise<string> {
    return this.use((c) => c.logs(id));
  }
  cgroupSetup(): Promise<CgroupSetup> {
    return this.use((c) => c.cgroupSetup());
  }
  remove(id: string): Promise<void> {
    return this.use((c) => c.remove(id));
  }
  imageExists(image: string): Promise<boolean> {
    return this.use((c) => c.imageExists(image));
  }
  enginePlatform(): Promise<EnginePlatform> {
    return this.use((c) => c.enginePlatform());
  }
  inspectImage(image: string): Promise<ImageDetails> {
    return this.use((c) => c.inspectImage(image));
  }
  removeImage(image: string): Promise<void> {
    return this.use((c) => c.removeImage(image));
  }
  pullImage(image: string): Promise<ProgressStream> {
    return this.use((c) => c.pullImage(image));
  }
  buildImage(spec: ImageBuildSpec): Promise<ProgressStream> {
    return this.use((c) => c.buildImage(spec));
  }
  importImage(spec: ImageImportSpec): Promise<ProgressStream> {
    return this.use((c) => c.importImage(spec));
  }
}
