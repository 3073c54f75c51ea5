import type { RunState } from '../../safety/ledger.js';
import { processState } from '../../safety/process-identity.js';

/** `faultline status --json`: the active runs with the faults they hold, and what finished runs left. */
export function statusDocument(
  live: readonly RunState[],
  left: readonly RunState[],
  retrying: ReadonlySet<string>,
) {
  const run = (state: RunState) => ({
    runId: state.run.runId,
    pid: state.run.pid,
    hostname: state.run.hostname ?? null,
    file: state.run.file,
    startedAt: state.run.startedAt,
    engine: state.run.endpoint?.host ?? null,
  });
  return {
    active: live.map((state) => ({
      ...run(state),
      otherHost: processState(state.run) === 'elsewhere',
      faults: state.open.map((intent) => ({
        kind: intent.kind,
        target: intent.target.name,
        revertBy: new Date(intent.deadline).toISOString(),
      })),
    })),
    leftBehind: left.map((state) => ({
      ...run(state),
      ended: state.ended,
      outcome: state.outcome ?? null,
      watchdogRetrying: retrying.has(state.file),
      faults: state.open.map((intent) => ({ kind: intent.kind, target: intent.target.name })),
    })),
  };
}
