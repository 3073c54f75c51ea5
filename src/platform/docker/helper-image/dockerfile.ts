import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerApiError, isNotFound } from '../../../docker/client.js';
import { HELPER_IMAGE_HASH_LABEL, HELPER_IMAGE_WAY_LABEL } from '../../../docker/labels.js';
import {
  dockerCall,
  dockerError,
  HelperImageBuildError,
  type HelperImageDocker,
  readProgress,
} from './engine.js';
import { PROXY_PACKAGE_JSON, type ProgramFile } from './proxy-program.js';

/** The Dockerfile shipped with faultline (the same path from src/ and from dist/). */
export const HELPER_DOCKERFILE = fileURLToPath(
  new URL('../../../../images/helper/Dockerfile', import.meta.url),
);

/** The Dockerfile's default BASE. */
export const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim';

/** Bump when the way the Dockerfile is built changes, so older builds are rebuilt. */
const DOCKERFILE_WAY_VERSION = 2;

export async function readHelperDockerfile(): Promise<string> {
  try {
    return await readFile(HELPER_DOCKERFILE, 'utf8');
  } catch (error) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_NO_DOCKERFILE',
      `cannot read the helper image's Dockerfile at ${HELPER_DOCKERFILE}`,
      { hint: 'Reinstall faultline: the package ships images/helper/Dockerfile.', cause: error },
    );
  }
}

/**
 * Fingerprint of a Dockerfile build: the Dockerfile's text, the base image reference and the fault
 * proxy program's fingerprint (proxy-program.ts), so a new proxy rebuilds the image.
 */
export function dockerfileHash(dockerfile: string, base: string, programHash: string): string {
  return createHash('sha256')
    .update(`faultline helper image dockerfile ${DOCKERFILE_WAY_VERSION}\nbase ${base}\n`)
    .update(`proxy ${programHash}\n${dockerfile}`)
    .digest('hex');
}

/**
 * The build context, in a new temporary folder: the Dockerfile and the proxy program under proxy/
 * (with its package.json). Returns the folder and the files to send, relative to it.
 */
export async function assembleContext(
  program: readonly ProgramFile[],
): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'faultline-helper-context-'));
  await copyFile(HELPER_DOCKERFILE, path.join(dir, 'Dockerfile'));
  const files = ['Dockerfile', 'proxy/package.json'];
  await mkdir(path.join(dir, 'proxy'), { recursive: true });
  await writeFile(path.join(dir, 'proxy', 'package.json'), PROXY_PACKAGE_JSON);
  for (const file of program) {
    const target = path.join(dir, 'proxy', file.relative);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(file.source, target);
    files.push(path.posix.join('proxy', file.relative));
  }
  return { dir, files };
}

/** The base image cannot be had: not present and the pull failed. */
export class BaseImageUnavailable extends Error {}

/** Pulls the base image unless the Engine has it already. Throws BaseImageUnavailable when it cannot. */
export async function ensureBaseImage(
  docker: HelperImageDocker,
  base: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    await docker.inspectImage(base);
    log(`base image ${base} is present`);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw dockerError(error);
  }
  log(`pulling ${base}`);
  let problem: string | undefined;
  try {
    problem = await readProgress(await docker.pullImage(base));
  } catch (error) {
    // The Engine answers a pull it cannot do (registry unreachable, no such image) with an HTTP error.
    if (!(error instanceof DockerApiError) || error.statusCode === undefined) throw dockerError(error);
    problem = error.message.replace(/^\(HTTP code \d+\)[^-]*- /, '');
  }
  if (problem !== undefined) throw new BaseImageUnavailable(problem.trim());
}

export interface DockerfileBuild {
  image: string;
  base: string;
  hash: string;
  /** The fault proxy program copied into the image. */
  program: readonly ProgramFile[];
  log: (line: string) => void;
  /** The RUN step's network (docker build --network); default: the Engine's bridge. */
  network?: string | undefined;
}

/**
 * Builds images/helper/Dockerfile through the Engine API (no docker CLI), with BASE as the base image,
 * the proxy program in its context, and the fingerprint and way as labels. Every line of the build
 * goes to `log`.
 */
export async function buildFromDockerfile(
  docker: HelperImageDocker,
  options: DockerfileBuild,
): Promise<void> {
  const context = await assembleContext(options.program);
  try {
    await buildInContext(docker, options, context);
  } finally {
    await rm(context.dir, { recursive: true, force: true });
  }
}

async function buildInContext(
  docker: HelperImageDocker,
  options: DockerfileBuild,
  context: { dir: string; files: string[] },
): Promise<void> {
  const recent: string[] = [];
  const stream = await dockerCall(() =>
    docker.buildImage({
      contextDir: context.dir,
      files: context.files,
      tag: options.image,
      buildArgs: { BASE: options.base },
      labels: { [HELPER_IMAGE_HASH_LABEL]: options.hash, [HELPER_IMAGE_WAY_LABEL]: 'dockerfile' },
      network: options.network,
    }),
  );
  const layers = new BuildLayers();
  const problem = await readProgress(stream, (message) => {
    // The classic builder colours a step's stderr red.
    for (const line of (message.stream ?? '').replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
      if (!line.trim()) continue;
      options.log(line.length > 150 ? `${line.slice(0, 149).trimEnd()}…` : line.trimEnd());
      layers.read(line.trim());
      recent.push(line.trim());
      if (recent.length > 3) recent.shift();
    }
  });
  if (problem !== undefined) {
    await layers.remove(docker);
    const output = recent.filter((line) => !/^(Step \d|---> |Removing intermediate container)/.test(line));
    // "The command '/bin/sh -c <the whole RUN line>' returned a non-zero code: 1" is too long to read.
    const failed = problem
      .trim()
      .replace(/^The command '.*' returned a non-zero code: (\d+)$/s, 'a RUN step exited with code $1');
    throw new HelperImageBuildError(
      'HELPER_IMAGE_DOCKERFILE_FAILED',
      `building ${options.image} from ${HELPER_DOCKERFILE} failed: ${failed}${output.length > 0 ? ` (${output.join('; ')})` : ''}`,
      {
        hint: 'The install step needs a Debian, Ubuntu or Alpine base whose package mirror the Engine can reach; --base chooses another base image.',
      },
    );
  }
}

/**
 * The images a classic build made for its finished steps (` ---> <id>` after each step but FROM, which
 * names the base). A failed build leaves them untagged; they are removed newest first. One that a
 * tagged image still builds on (a cached step) is refused by the Engine and stays, as it should.
 */
class BuildLayers {
  private readonly ids: string[] = [];
  private afterFrom = false;

  read(line: string): void {
    if (/^Step \d+\/\d+ : FROM /i.test(line)) {
      this.afterFrom = true;
      return;
    }
    const id = /^---> ([0-9a-f]{12,64})$/.exec(line)?.[1];
    if (!id) return;
    if (this.afterFrom) this.afterFrom = false;
    else this.ids.push(id);
  }

  async remove(docker: Pick<HelperImageDocker, 'removeImage'>): Promise<void> {
    for (const id of [...this.ids].reverse()) await docker.removeImage(id).catch(() => undefined);
  }
}
