import type { Readable, Writable } from 'node:stream';
import type { DockerEndpoint } from './endpoint.js';

/**
 * The small part of the Docker Engine API that faultline uses. The core depends on this interface only;
 * `dockerode-client.ts` implements it, and unit tests fake it.
 */
export interface ContainerNetwork {
  /** Docker network name, e.g. bridge or shop_default */
  name: string;
  ipv4: string | undefined;
  ipv4PrefixLength: number | undefined;
  ipv6: string | undefined;
  gateway: string | undefined;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** running, paused, exited, created, restarting, removing, dead */
  state: string;
  labels: Record<string, string>;
  /** Networks the container is attached to, with its addresses on each. */
  networks: ContainerNetwork[];
  /** host when it shares the host's network namespace. */
  networkMode?: string | undefined;
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
  /** HostConfig.PidMode: '' or 'private' (a PID namespace of its own), 'host', 'container:<id>'. */
  pidMode?: string | undefined;
  /** State.OOMKilled: the kernel's OOM killer ended the container's main process. */
  oomKilled?: boolean | undefined;
  /** HostConfig.Memory in bytes (0: no limit). */
  memoryLimit?: number | undefined;
}

/** How the Engine places containers in cgroups (docker info: CgroupDriver, CgroupVersion). */
export interface CgroupSetup {
  /** cgroupfs or systemd */
  driver: string;
  /** 1 or 2 */
  version: string;
  /** docker info's SecurityOptions, e.g. `name=seccomp,profile=default`, `name=rootless`, `name=userns`. */
  securityOptions?: string[] | undefined;
}

export interface HelperSpec {
  image: string;
  cmd: string[];
  /** e.g. container:<id> to share the target's network namespace, or none */
  networkMode: string;
  capAdd: string[];
  labels: Record<string, string>;
  name?: string | undefined;
  /** --cgroupns: `host` shows the helper the Engine host's cgroup paths (absolute, as in /proc/<pid>/cgroup). */
  cgroupnsMode?: 'host' | 'private' | undefined;
  /** --pid, e.g. container:<id> to share the target's process namespace (and die with it). */
  pidMode?: string | undefined;
  /** -v source:destination mounts. */
  binds?: string[] | undefined;
}

export interface ExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  input?: string;
}

/** A running helper whose main process reads `stdin`; what it prints arrives on `stdout` and `stderr`. */
export interface AttachedHelper {
  id: string;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** An image as the Engine inspects it. */
export interface ImageDetails {
  id: string;
  labels: Record<string, string>;
  sizeBytes: number;
  createdAt: string;
}

/** What the Engine runs: its OS, CPU (Docker's words: amd64, arm64, ...) and kernel release. */
export interface EnginePlatform {
  os: string;
  arch: string;
  kernel: string;
}

/**
 * The Engine's JSON progress stream of a pull, build or import: newline-separated JSON messages, read to
 * the end to learn whether it worked (the HTTP status is 200 even when a pull or a build fails).
 */
export type ProgressStream = AsyncIterable<unknown>;

/** A build of a Dockerfile from a directory on this machine, by the Engine's classic builder. */
export interface ImageBuildSpec {
  /** The build context: a directory, of which only `files` are sent. */
  contextDir: string;
  files: string[];
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** The RUN steps' network (docker build --network); default: the Engine's bridge. */
  network?: string | undefined;
}

/** An image made from a root filesystem tarball (docker import). */
export interface ImageImportSpec {
  /** Path of the tar file on this machine. */
  tarFile: string;
  repo: string;
  tag: string;
  /** Dockerfile instructions applied on import (LABEL, ENV). */
  changes: string[];
}

/**
 * A container's resource limits as `docker inspect` reports them (HostConfig). 0 is unlimited for
 * the CPU and memory fields; PidsLimit is null or 0 when unlimited, MemorySwap -1 when swap is.
 */
export interface ContainerResources {
  nanoCpus: number;
  cpuQuota: number;
  cpuPeriod: number;
  memory: number;
  memorySwap: number;
  pidsLimit: number | null;
}

/** A change of resource limits (POST /containers/{id}/update): absent fields are left as they are. */
export interface ResourceUpdate {
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  Memory?: number;
  MemorySwap?: number;
  PidsLimit?: number;
}

/** The processes of a container as `docker top` lists them: host PIDs, one row per process. */
export interface ProcessList {
  titles: string[];
  processes: string[][];
}

export interface DockerClient {
  /** The Engine this client talks to (absent for clients made in unit tests). */
  readonly endpoint?: DockerEndpoint | undefined;
  /** Resolves with the Engine's API version; rejects with a DockerUnavailableError. */
  ping(): Promise<{ apiVersion: string; version: string /** Docker Engine, Podman */; engine?: string }>;
  listContainers(options?: { all?: boolean }): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerDetails>;
  kill(id: string, signal: string): Promise<void>;
  stop(id: string, graceSeconds: number): Promise<void>;
  start(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  restart(id: string, graceSeconds: number): Promise<void>;
  /** The container's resource limits, as inspect reports them. */
  resources(id: string): Promise<ContainerResources>;
  /** Changes resource limits; rejects with the Engine's message when it refuses (nothing changed). */
  update(id: string, changes: ResourceUpdate): Promise<void>;
  /** The container's processes (`ps` on the Engine's host, with `psArgs`). */
  top(id: string, psArgs: string): Promise<ProcessList>;
  /** Runs a command in a running container; `input`, when given, is written to its stdin, then closed. */
  exec(id: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** Creates and starts a container faultline owns (labelled at create time); resolves with its id. */
  runHelper(spec: HelperSpec): Promise<string>;
  /** As runHelper, with the helper's stdin, stdout and stderr attached (absent in unit-test clients). */
  runAttachedHelper?(spec: HelperSpec): Promise<AttachedHelper>;
  /** What a container has printed so far (stdout and stderr, interleaved), as text. */
  logs(id: string): Promise<string>;
  /** How the Engine places containers in cgroups (absent for clients made in unit tests). */
  cgroupSetup?(): Promise<CgroupSetup>;
  /** Removes a container, killing it if needed. A container already gone is not an error. */
  remove(id: string): Promise<void>;
  imageExists(image: string): Promise<boolean>;
  /** The Engine's platform. */
  enginePlatform(): Promise<EnginePlatform>;
  /** Rejects with a DockerApiError whose `notFound` is true when there is no such image. */
  inspectImage(image: string): Promise<ImageDetails>;
  /** Removes an image (by id or name); the Engine refuses one a container or a tagged image uses. */
  removeImage(image: string): Promise<void>;
  /** Starts a pull; a pull the Engine refuses outright rejects with a DockerApiError. */
  pullImage(image: string): Promise<ProgressStream>;
  /** Starts a build; intermediate containers are removed, also when a step fails. */
  buildImage(spec: ImageBuildSpec): Promise<ProgressStream>;
  importImage(spec: ImageImportSpec): Promise<ProgressStream>;
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
