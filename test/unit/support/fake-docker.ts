import type {
  ContainerDetails,
  ContainerNetwork,
  ContainerSummary,
  DockerClient,
  EnginePlatform,
  ExecResult,
  HelperSpec,
  ImageDetails,
  ProgressStream,
} from '../../../src/docker/client.js';
import { DockerApiError } from '../../../src/docker/client.js';

/**
 * An in-memory Docker Engine for unit tests. Containers move between running, paused and exited the
 * way the Engine moves them; every call is recorded; failures can be set per operation and container.
 */
export type FakeOperation =
  | 'ping'
  | 'listContainers'
  | 'inspect'
  | 'kill'
  | 'stop'
  | 'start'
  | 'pause'
  | 'unpause'
  | 'restart'
  | 'exec'
  | 'runHelper'
  | 'remove'
  | 'logs'
  | 'imageExists';

export interface FakeContainerSpec {
  name: string;
  id?: string;
  state?: 'running' | 'paused' | 'exited' | 'created' | 'restarting' | 'dead';
  labels?: Record<string, string>;
  health?: string;
  restartCount?: number;
  image?: string;
  /** Defaults to one network, `default`, with an address of its own. */
  networks?: ContainerNetwork[];
  /** Answers `docker exec`; the default exits 0 with no output. */
  exec?: (argv: readonly string[]) => ExecResult | Promise<ExecResult>;
}

export interface FakeCall {
  op: FakeOperation;
  /** The container's name (also when the call named it by id). */
  name?: string;
  args: unknown[];
}

interface FakeContainer extends Required<Omit<FakeContainerSpec, 'exec'>> {
  exec: FakeContainerSpec['exec'];
  exitCode: number;
}

interface Failure {
  op: FakeOperation;
  name: string | undefined;
  error: () => Error;
  remaining: number;
}

export class FakeDocker implements DockerClient {
  readonly calls: FakeCall[] = [];
  private readonly containers = new Map<string, FakeContainer>();
  private readonly failures: Failure[] = [];
  private sequence = 0;

  constructor(containers: FakeContainerSpec[] = []) {
    for (const spec of containers) this.add(spec);
  }

  add(spec: FakeContainerSpec): void {
    this.sequence++;
    const id = spec.id ?? `${String(this.sequence).padStart(4, '0')}${'f'.repeat(60)}`;
    this.containers.set(id, {
      id,
      name: spec.name,
      state: spec.state ?? 'running',
      labels: spec.labels ?? {},
      health: spec.health ?? 'none',
      restartCount: spec.restartCount ?? 0,
      image: spec.image ?? 'example/app:1',
      networks: spec.networks ?? [
        {
          name: 'default',
          ipv4: `172.18.0.${this.sequence + 1}`,
          ipv4PrefixLength: 16,
          ipv6: undefined,
          gateway: '172.18.0.1',
        },
      ],
      exec: spec.exec,
      exitCode: 0,
    });
  }

  /** What a helper container prints, from its spec (the default: nothing). */
  helperLogs: (spec: HelperSpec) => string = () => '';
  private readonly printed = new Map<string, string>();

  /** Labels of the images `inspectImage` knows; any other is not found. */
  imageLabels = new Map<string, Record<string, string>>();

  /** Images `imageExists` reports as present; every image when undefined. */
  images: Set<string> | undefined = undefined;

  /**
   * Makes `op` fail, on one container (by name) or on any; `times` limits how often (default: always).
   * The error defaults to a 500 from the Engine.
   */
  failOn(op: FakeOperation, name?: string, options: { times?: number; error?: () => Error } = {}): void {
    this.failures.push({
      op,
      name,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
      error: options.error ?? (() => new DockerApiError(`simulated ${op} failure`, 500)),
    });
  }

  stateOf(name: string): string {
    return this.find(name).state;
  }

  setState(name: string, state: FakeContainer['state']): void {
    this.find(name).state = state;
  }

  /** Names of the containers `op` was called on, in call order (failed calls included). */
  callsTo(op: FakeOperation): string[] {
    return this.calls.filter((call) => call.op === op).map((call) => call.name ?? '?');
  }

  // ------------------------------------------------------------------------------------ DockerClient

  async ping(): Promise<{ apiVersion: string; version: string }> {
    this.record('ping', undefined, []);
    this.maybeFail('ping', undefined);
    return { apiVersion: '1.45', version: '27.0.0' };
  }

  async listContainers(options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    this.record('listContainers', undefined, [options]);
    this.maybeFail('listContainers', undefined);
    return [...this.containers.values()]
      .filter((container) => options.all || container.state === 'running')
      .map((container) => ({
        id: container.id,
        name: container.name,
        image: container.image,
        state: container.state,
        labels: { ...container.labels },
        networks: container.networks.map((network) => ({ ...network })),
      }));
  }

  async inspect(id: string): Promise<ContainerDetails> {
    const container = this.call('inspect', id, []);
    return {
      id: container.id,
      name: container.name,
      image: container.image,
      state: container.state,
      labels: { ...container.labels },
      networks: container.networks.map((network) => ({ ...network })),
      running: container.state === 'running' || container.state === 'paused',
      paused: container.state === 'paused',
      restarting: container.state === 'restarting',
      health: container.health,
      restartCount: container.restartCount,
      pid: container.state === 'running' || container.state === 'paused' ? 4242 : 0,
      exitCode: container.exitCode,
      startedAt: '2025-03-01T10:00:00.000Z',
      restartPolicy: 'no',
      networkMode: 'bridge',
    };
  }

  async kill(id: string, signal: string): Promise<void> {
    const container = this.call('kill', id, [signal]);
    if (container.state === 'paused') {
      throw new DockerApiError(
        `Container ${container.id} is paused. Unpause the container before stopping or killing`,
        409,
      );
    }
    this.mustBeRunning(container);
    container.state = 'exited';
    container.exitCode = 137;
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const container = this.call('stop', id, [graceSeconds]);
    if (container.state === 'exited') return;
    container.state = 'exited';
    container.exitCode = 0;
  }

  async start(id: string): Promise<void> {
    const container = this.call('start', id, []);
    if (container.state === 'paused')
      throw new DockerApiError(`cannot start a paused container ${container.name}`, 409);
    container.state = 'running';
  }

  async pause(id: string): Promise<void> {
    const container = this.call('pause', id, []);
    if (container.state === 'paused')
      throw new DockerApiError(`container ${container.name} is already paused`, 409);
    this.mustBeRunning(container);
    container.state = 'paused';
  }

  async unpause(id: string): Promise<void> {
    const container = this.call('unpause', id, []);
    if (container.state !== 'paused')
      throw new DockerApiError(`container ${container.name} is not paused`, 409);
    container.state = 'running';
  }

  async restart(id: string, graceSeconds: number): Promise<void> {
    const container = this.call('restart', id, [graceSeconds]);
    container.state = 'running';
  }

  async exec(
    id: string,
    argv: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const container = this.call('exec', id, [argv, options.timeoutMs]);
    if (container.state === 'paused') {
      throw new DockerApiError(`Container ${container.id} is paused, unpause the container before exec`, 409);
    }
    this.mustBeRunning(container);
    return (await container.exec?.(argv)) ?? { exitCode: 0, stdout: '', stderr: '', timedOut: false };
  }

  async runHelper(spec: HelperSpec): Promise<string> {
    this.record('runHelper', spec.name, [spec]);
    this.maybeFail('runHelper', spec.name);
    const name = spec.name ?? `faultline-helper-${this.sequence + 1}`;
    this.add({ name, image: spec.image, labels: { ...spec.labels } });
    const id = this.find(name).id;
    this.printed.set(id, this.helperLogs(spec));
    return id;
  }

  /**
   * Removes a container, as `docker rm -f` does: later calls naming it get a 404. Takes a name or an id;
   * the container is gone as soon as this is called (before the promise settles).
   */
  async logs(id: string): Promise<string> {
    const container = this.call('logs', id, []);
    return this.printed.get(container.id) ?? '';
  }

  async remove(nameOrId: string): Promise<void> {
    const container =
      this.containers.get(nameOrId) ??
      [...this.containers.values()].find((candidate) => candidate.name === nameOrId);
    this.record('remove', container?.name ?? nameOrId, []);
    this.maybeFail('remove', container?.name);
    if (container) this.containers.delete(container.id);
  }

  async imageExists(image: string): Promise<boolean> {
    this.record('imageExists', undefined, [image]);
    this.maybeFail('imageExists', undefined);
    return this.images === undefined || this.images.has(image);
  }

  // Image builds are faked where they are tested (test/unit/network/helper-image-way.test.ts).
  async enginePlatform(): Promise<EnginePlatform> {
    return { os: 'linux', arch: 'amd64', kernel: 'fake' };
  }
  async resources(): Promise<never> {
    throw new Error('FakeDocker does not fake resource limits');
  }
  async update(): Promise<void> {
    throw new Error('FakeDocker does not fake resource limits');
  }
  async top(): Promise<never> {
    throw new Error('FakeDocker does not fake processes');
  }
  async inspectImage(image: string): Promise<ImageDetails> {
    const labels = this.imageLabels.get(image);
    if (!labels) throw new DockerApiError(`No such image: ${image}`, 404);
    return { id: `sha256:${image}`, labels, sizeBytes: 0, createdAt: '' };
  }
  async removeImage(): Promise<void> {
    throw new Error('FakeDocker does not fake images');
  }
  async pullImage(): Promise<ProgressStream> {
    throw new Error('FakeDocker does not fake images');
  }
  async buildImage(): Promise<ProgressStream> {
    throw new Error('FakeDocker does not fake images');
  }
  async importImage(): Promise<ProgressStream> {
    throw new Error('FakeDocker does not fake images');
  }

  // ----------------------------------------------------------------------------------------- helpers

  private find(nameOrId: string): FakeContainer {
    const found =
      this.containers.get(nameOrId) ??
      [...this.containers.values()].find((container) => container.name === nameOrId);
    if (!found) throw new DockerApiError(`No such container: ${nameOrId}`, 404);
    return found;
  }

  private call(op: FakeOperation, id: string, args: unknown[]): FakeContainer {
    const container = this.containers.get(id) ?? [...this.containers.values()].find((c) => c.name === id);
    this.record(op, container?.name ?? id, args);
    this.maybeFail(op, container?.name);
    if (!container) throw new DockerApiError(`No such container: ${id}`, 404);
    return container;
  }

  private maybeFail(op: FakeOperation, name: string | undefined): void {
    const failure = this.failures.find(
      (candidate) =>
        candidate.op === op &&
        candidate.remaining > 0 &&
        (candidate.name === undefined || candidate.name === name),
    );
    if (failure) {
      failure.remaining--;
      throw failure.error();
    }
  }

  private record(op: FakeOperation, name: string | undefined, args: unknown[]): void {
    this.calls.push(name === undefined ? { op, args } : { op, name, args });
  }

  private mustBeRunning(container: FakeContainer): void {
    if (container.state !== 'running' && container.state !== 'paused') {
      throw new DockerApiError(`Container ${container.id} is not running`, 409);
    }
  }
}
