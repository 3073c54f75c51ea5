/** Label keys faultline reads or sets. Kept in one place. */
export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

/** Set on every container faultline creates; such containers are never targets. */
export const FAULTLINE_HELPER = 'org.faultline.helper';
export const FAULTLINE_RUN_ID = 'org.faultline.run-id';
export const FAULTLINE_FAULT_ID = 'org.faultline.fault-id';
export const FAULTLINE_TARGET_ID = 'org.faultline.target-id';

// The helper image: its default name and the labels faultline sets on every helper image it builds.

/** The helper image's name unless --image or --helper-image names another. */
export const DEFAULT_HELPER_IMAGE = 'faultline/nettools:1';

/** Set on every helper image faultline builds; the hash label fingerprints the build inputs. */
export const HELPER_IMAGE_LABEL = 'org.faultline.helper-image';
export const HELPER_IMAGE_HASH_LABEL = 'org.faultline.helper-image.hash';
/** Comma-separated commands the image provides (e.g. whether `sleep` is there to hold a helper). */
export const HELPER_IMAGE_TOOLS_LABEL = 'org.faultline.helper-image.tools';
/** How the image was built: `host` (offline, from this host's binaries) or `dockerfile`. */
export const HELPER_IMAGE_WAY_LABEL = 'org.faultline.helper-image.way';
