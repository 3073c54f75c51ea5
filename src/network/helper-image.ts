/** The helper image lives in src/platform/docker/helper-image/; this name is still imported from here. */
export { DEFAULT_HELPER_IMAGE } from '../platform/docker/helper-image/index.js';
