import type { DockerClient } from '../../docker/client.js';
import type { LoadedExperiment } from '../../experiment/load.js';
import { type Experiment, RUN_DEFAULTS } from '../../experiment/schema.js';
import type { NetworkContext } from '../../network/network-fault.js';
import { DEFAULT_NETWORK_SETUP, type NetworkSetup } from '../../network/setup.js';
import { DockerPlatform } from '../../platform/docker/docker-platform.js';
import type { Platform } from '../../platform/platform.js';
import type { ProbeEnvironment } from '../../probes/run-probe.js';
import { newRunId, spawnWatchdog, type Watchdog } from '../../safety/lease.js';
import type { RunSafety, SafetyOptions } from '../../safety/run-safety.js';
import { type DetectWatch, detectName } from '../detect.js';
import { FaultRegistry } from '../fault-registry.js';
import { HoldLimit } from '../hold-limit.js';
import { HypothesisTracker } from '../hypothesis.js';
import { LoadPhases } from '../load-phases.js';
import type { Plan } from '../plan.js';
import type { Reporter } from '../port.js';
import { Recorder } from '../recorder.js';
import { RunStop } from '../run-stops.js';
import { WorkloadPhases } from '../workload-phases.js';

export interface RunOptions {
  docker: DockerClient;
  /** Where the faults land; by default the Docker Engine `docker` reaches, with the `network` set-up. */
  platform?: Platform | undefined;
  /** How network faults reach targets; defaults to auto (nsenter as root on the host, else the helper). */
  network?: NetworkSetup | undefined;
  reporter: Reporter;
  seed: number;
  /** Aborted on Ctrl-C / SIGTERM: the run reverts everything and ends as interrupted. */
  signal: AbortSignal;
  /** Opt-in mode: only containers carrying these labels may be faulted. */
  requireLabels?: Record<string, string> | undefined;
  /** Ledger, locks and watchdog; without it (unit tests) the run keeps no record on disk. */
  safety?: SafetyOptions | undefined;
  /** Receives the registry so a forced exit can say what may be left. */
  onRegistry?: (registry: FaultRegistry) => void;
  onSafety?: (safety: RunSafety) => void;
}

/**
 * What the phases of one run share: the journal, the faults in place, the hypothesis so far, the
 * run's stop signal, and what the preparation found (the plan, the network runner, the ledger).
 */
export class RunContext {
  readonly experiment: Experiment;
  readonly recorder: Recorder;
  readonly holds = new HoldLimit();
  readonly registry: FaultRegistry;
  readonly tracker: HypothesisTracker;
  readonly load: LoadPhases;
  readonly workload: WorkloadPhases;
  readonly stop = new RunStop();
  readonly timeoutMs: number;
  readonly runId: string;
  /** Started with the run, so that it is up by the time the first fault needs it. */
  readonly watchdog: Watchdog | undefined;
  readonly setup: NetworkSetup;
  readonly platform: Platform;
  readonly probeEnv: ProbeEnvironment;
  plan: Plan | undefined;
  /** The detection checks, from the start of the method. */
  detect: DetectWatch | undefined;
  network: NetworkContext | undefined;
  safety: RunSafety | undefined;

  constructor(
    readonly loaded: LoadedExperiment,
    readonly options: RunOptions,
  ) {
    this.experiment = loaded.experiment;
    const safety = options.safety;
    this.watchdog = safety?.watchdog
      ? (safety.startWatchdog?.() ?? spawnWatchdog(safety.stateDir, newRunId()))
      : undefined;
    this.runId = this.watchdog?.runId ?? newRunId();
    this.recorder = new Recorder((entry) => options.reporter.onEvent?.(entry));
    this.registry = new FaultRegistry(
      this.recorder,
      (fault, outcome) => this.safety?.reverted(fault.id, outcome),
      (fault) => {
        this.safety?.injected(fault.id);
        this.holds.start(fault);
        this.workload.mark('during');
      },
      (fault) => this.safety?.revertedByOthers(fault.id),
    );
    options.onRegistry?.(this.registry);
    this.tracker = new HypothesisTracker(this.experiment.hypothesis, this.recorder);
    for (const spec of this.experiment.detect ?? [])
      this.tracker.expect(detectName(spec), 'during', 'no fault was injected: nothing to detect');
    this.load = new LoadPhases(this.experiment.hypothesis.filter((probe) => probe.load));
    this.timeoutMs = this.experiment.timeout ?? RUN_DEFAULTS.timeout;
    this.setup = options.network ?? DEFAULT_NETWORK_SETUP;
    this.platform = options.platform ?? new DockerPlatform(options.docker, this.setup);
    this.probeEnv = {
      docker: options.docker,
      cwd: loaded.directory,
      signal: this.stop.signal,
      targetsOf: (probe) => this.plan?.probeTargets.get(probe) ?? [],
    };
    this.workload = new WorkloadPhases(
      this.experiment.hypothesis.filter((probe) => probe.workload),
      this.probeEnv,
    );
  }

  /** When the first fault started (epoch ms), once one has. */
  firstFaultAt(): number | undefined {
    const starts = this.registry.records().map((record) => Date.parse(record.injectedAt));
    return starts.length > 0 ? Math.min(...starts) : undefined;
  }

  get signal(): AbortSignal {
    return this.stop.signal;
  }
}
