/**
 * The helper image: an image with `tc`, `ip`, `ss` and `iptables` (both backends), and node with the
 * fault proxy (proxy-program.ts). A helper container from it
 * joins a target's network namespace (`NetworkMode: container:<id>`, `CapAdd: NET_ADMIN`). Built either
 * offline from this host's own binaries with their shared libraries (no registry), or from
 * images/helper/Dockerfile by the Docker Engine (see way.ts for which). It reaches the Engine only
 * through the DockerClient (src/docker/client.ts).
 */

export * from '../../../docker/labels.js';
export {
  type BuildHelperImageOptions,
  type BuildHelperImageResult,
  buildHelperImage,
  helperImageAdvice,
} from './build.js';
export { type CollectOptions, collectHelperRootfs, HelperToolsMissingError, hostFacts } from './collect.js';
export { DEFAULT_BASE_IMAGE, dockerfileHash, HELPER_DOCKERFILE } from './dockerfile.js';
export { HelperImageBuildError, type HelperImageDocker } from './engine.js';
export { searchDirs } from './host-files.js';
export {
  type LddResult,
  multiarchTriplets,
  parseLddOutput,
  tcLibDirCandidates,
  xtablesDirCandidates,
} from './ldd.js';
export { materializeRootfs } from './offline-build.js';
export {
  IMAGE_PROXY_MAIN,
  PROXY_TOOL,
  type ProgramFile,
  proxyPlacements,
  proxyProgramFiles,
  proxyProgramHash,
} from './proxy-program.js';
export * from './rootfs.js';
export { type HelperImageStatus, helperImageStatus } from './status.js';
export {
  adviceFor,
  chooseHelperImageWay,
  describeWay,
  type EngineFacts,
  HELPER_IMAGE_FROM,
  type HelperImageFrom,
  type HelperImageWay,
  type HostFacts,
  hostWayBlocker,
  type WayChoice,
} from './way.js';
