/** Label keys faultline reads or sets. Kept in one place. */
export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

/** Set on every container faultline creates; such containers are never targets. */
export const FAULTLINE_HELPER = 'org.faultline.helper';
export const FAULTLINE_RUN_ID = 'org.faultline.run-id';
export const FAULTLINE_FAULT_ID = 'org.faultline.fault-id';
export const FAULTLINE_TARGET_ID = 'org.faultline.target-id';
