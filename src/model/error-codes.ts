/**
 * Every code a faultline error carries, with what it means. Users, scripts and tests match on these
 * strings: add new ones here, and never change or reuse one. A faultline error accepts only a code
 * from this list, so a typo is a type error.
 */
export const ERROR_CODES = [
  // The command line (exit 2)
  { code: 'BAD_OPTION', meaning: 'a command-line option has a value faultline cannot use' },
  { code: 'NO_FILES', meaning: 'no experiment file was given, or a folder holds none' },
  { code: 'ENDPOINT_CONFLICT', meaning: '--host and --context were both given' },
  { code: 'BAD_IMAGE_NAME', meaning: 'the helper image name is not a valid image reference' },

  // Experiment files (exit 2)
  { code: 'EXPERIMENT_UNREADABLE', meaning: 'an experiment file or folder does not exist or cannot be read' },
  { code: 'EXPERIMENT_NOT_A_FILE', meaning: 'an experiment path is not a regular file (a FIFO, ...)' },
  { code: 'EXPERIMENT_TOO_LARGE', meaning: 'an experiment file is larger than faultline reads' },
  { code: 'EXPERIMENT_INVALID', meaning: 'an experiment file is not valid YAML or not a valid experiment' },
  { code: 'threshold-invalid', meaning: 'a load-probe threshold cannot be parsed' },

  // faultline init (exit 2)
  { code: 'COMPOSE_NOT_FOUND', meaning: 'no compose file was given or found for `faultline init`' },
  { code: 'COMPOSE_INVALID', meaning: 'the compose file is not valid YAML or not a compose file' },
  { code: 'COMPOSE_NO_SERVICES', meaning: 'the compose file defines no service' },
  { code: 'INIT_FILE_EXISTS', meaning: '`faultline init` would overwrite a file (use --force)' },

  // The Docker Engine and how to reach it (exit 3)
  { code: 'DOCKER_UNAVAILABLE', meaning: 'the Docker Engine cannot be reached' },
  { code: 'DOCKER_TLS_FAILED', meaning: 'the TLS handshake with the Docker Engine failed' },
  { code: 'DOCKER_ENDPOINT_INVALID', meaning: 'the Docker endpoint or context named cannot be used' },
  { code: 'DOCKER_HOST_INVALID', meaning: '--host or DOCKER_HOST is not a Docker endpoint URL' },
  { code: 'DOCKER_SSH_URL_INVALID', meaning: 'an ssh:// Docker endpoint is malformed' },
  { code: 'DOCKER_SSH_FAILED', meaning: 'the ssh connection to the Docker Engine failed' },

  // Targets and the plan, found before anything is injected (exit 3)
  { code: 'NO_TARGET', meaning: 'a target selector matches no usable container' },
  { code: 'TARGETS_SPAN_PROJECTS', meaning: 'a target selector matches several compose projects' },
  { code: 'TARGET_HELD', meaning: 'the targets are held (paused, stopped) by another faultline run' },
  { code: 'PLAN_REFUSED', meaning: 'the plan breaks a safety rule or cannot be built' },
  { code: 'HOLD_LIMIT', meaning: 'a fault would be held longer than --max-hold or safety.max-hold' },

  // Safety machinery (exit 3)
  { code: 'CONTAINER_BUSY', meaning: 'another faultline run is faulting the same containers' },
  { code: 'LOCK_STUCK', meaning: 'a container lock cannot be taken: its stale guards nest too deep' },
  { code: 'LEDGER_UNWRITABLE', meaning: "the run's ledger cannot be written, so nothing is injected" },
  { code: 'WATCHDOG_FAILED', meaning: 'the watchdog that reverts faults if the run dies did not start' },

  // Network namespaces and host capabilities (exit 3)
  { code: 'NETNS_UNAVAILABLE', meaning: "no way into the targets' network namespaces" },
  { code: 'CAPABILITY_MISSING', meaning: 'this host lacks a kernel feature or tool the experiment needs' },

  // The method (exit 3)
  { code: 'INJECTION_FAILED', meaning: 'a fault could not be injected (targets hit were reverted)' },
  { code: 'ACTION_FAILED', meaning: 'a method action (a command or an HTTP call) failed' },

  // Reports (exit 3)
  { code: 'REPORT_PATH', meaning: 'a report file cannot be written where it was asked for' },

  // Building the helper image (exit 3)
  { code: 'HELPER_TOOLS_MISSING', meaning: 'tc, ip or iptables is missing on this host' },
  { code: 'HELPER_IMAGE_HOST_WAY_IMPOSSIBLE', meaning: "this host's binaries cannot make the image" },
  { code: 'HELPER_IMAGE_NO_LDD', meaning: 'ldd cannot run, so the libraries are unknown' },
  { code: 'HELPER_IMAGE_NO_XTABLES', meaning: 'the iptables extension modules are not on this host' },
  { code: 'HELPER_IMAGE_LIBRARY_MISSING', meaning: 'a library the host binaries need is missing' },
  { code: 'HELPER_IMAGE_TAR_FAILED', meaning: 'packing the host binaries with tar failed' },
  { code: 'HELPER_IMAGE_IMPORT_FAILED', meaning: 'docker import failed, or did not produce the image' },
  { code: 'HELPER_IMAGE_FOREIGN', meaning: 'an image of that name exists and faultline did not build it' },
  { code: 'HELPER_IMAGE_NO_DOCKERFILE', meaning: "the helper image's Dockerfile cannot be read" },
  { code: 'HELPER_IMAGE_DOCKERFILE_FAILED', meaning: 'building the helper image from its Dockerfile failed' },
  { code: 'HELPER_IMAGE_BASE_UNAVAILABLE', meaning: 'the Dockerfile base image cannot be pulled' },
  { code: 'HELPER_IMAGE_NO_WAY', meaning: 'neither the host nor the Dockerfile can build it' },
  { code: 'HELPER_IMAGE_DOCKER_ERROR', meaning: 'the Docker Engine refused a call while building the image' },
  {
    code: 'HELPER_IMAGE_NO_PROXY',
    meaning: 'the fault proxy program (dist/proxy) is not there to put in the image',
  },

  // Stress faults (exit 3)
  { code: 'STRESS_NG_MISSING', meaning: 'stress-ng is not installed on this host, so no stress image' },
  { code: 'STRESS_IMAGE_LIBRARY_MISSING', meaning: 'a library stress-ng needs is missing on this host' },
  { code: 'STRESS_IMAGE_IMPORT_FAILED', meaning: 'the stress image could not be imported' },
  {
    code: 'STRESS_CGROUP_UNSUPPORTED',
    meaning: "the Engine cannot let a helper write into a target's cgroup (rootless, user namespaces)",
  },
  {
    code: 'STRESS_JOIN_FAILED',
    meaning: "a stress helper could not join the target's cgroup, so no pressure was applied",
  },
  { code: 'STRESS_NO_MEMORY_LIMIT', meaning: 'a memory share was asked of a target without a memory limit' },
  {
    code: 'FAULT_PREFLIGHT_FAILED',
    meaning: 'a fault cannot be made from where faultline runs (checked before any is injected)',
  },
] as const satisfies readonly { code: string; meaning: string }[];

/** A code from the catalogue above. */
export type ErrorCode = (typeof ERROR_CODES)[number]['code'];
