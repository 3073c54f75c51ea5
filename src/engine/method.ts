import type { DockerClient } from '../docker/client.js';
import { EnvironmentError } from '../errors.js';
import type { FamilyRecipe } from '../faults/driver.js';
import type { InjectedFault } from '../faults/fault.js';
import { familyOf } from '../faults/registry.js';
import type { NetworkContext } from '../network/network-fault.js';
import { type Platform, platformOf } from '../platform/platform.js';
import { type ProbeEnvironment, runProbe } from '../probes/run-probe.js';
import { sleep } from '../util/sleep.js';
import { actionError, attemptAction } from './action-attempts.js';
import type { FaultRegistry } from './fault-registry.js';
import type { HypothesisTracker } from './hypothesis.js';
import type { PlannedInjection, PlannedStep } from './plan.js';
import type { Recorder } from './recorder.js';

export class InjectionError extends EnvironmentError {
  constructor(message: string) {
    super('INJECTION_FAILED', message, {
      hint: 'The targets already hit were reverted. Check `docker ps` and the Docker daemon log.',
    });
  }
}

export class ActionError extends EnvironmentError {
  constructor(message: string) {
    super('ACTION_FAILED', message, { hint: 'Run the command by hand to see why it fails.' });
  }
}

export interface MethodContext {
  docker: DockerClient;
  /** Where a target's faults land when the target does not say (see platform/platform.ts). */
  platform: Platform;
  /** Records a fault before its first change (the write-ahead ledger); throws to stop the injection. */
  announce: (injection: PlannedInjection, recipe: FamilyRecipe, durationMs: number | undefined) => void;
  /** Records that an announced fault was never injected. */
  notInjected: (injection: PlannedInjection) => void;
  /** The run's network state; created on first use by a network fault. */
  network: () => NetworkContext;
  registry: FaultRegistry;
  recorder: Recorder;
  tracker: HypothesisTracker;
  probeEnv: ProbeEnvironment;
  cwd: string;
  signal: AbortSignal;
}

/**
 * Runs the method's steps in order. Background steps are started and awaited at the end. Faults with a
 * duration are reverted when it ends; the rest stay in place until the caller reverts everything.
 */
export async function runMethod(steps: PlannedStep[], ctx: MethodContext): Promise<void> {
  const background: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  try {
    for (const step of steps) {
      ctx.signal.throwIfAborted();
      const running = runStep(step, ctx);
      if ('background' in step && step.background) {
        running.catch(() => undefined);
        background.push(running);
      } else {
        await running;
      }
    }
  } catch (error) {
    failure = { error };
  }
  const results = await Promise.allSettled(background);
  if (failure) throw failure.error;
  const failed = results.find((result) => result.status === 'rejected');
  if (failed && !ctx.signal.aborted) throw failed.reason;
}

async function runStep(step: PlannedStep, ctx: MethodContext): Promise<void> {
  const started = performance.now();
  ctx.recorder.record({ type: 'step-start', step: step.path, label: step.label });
  const end = (status: 'done' | 'failed', error?: string) =>
    ctx.recorder.record({
      type: 'step-end',
      step: step.path,
      label: step.label,
      status,
      durationMs: Math.round(performance.now() - started),
      ...(error === undefined ? {} : { error }),
    });
  try {
    switch (step.kind) {
      case 'wait':
        await sleep(step.durationMs, ctx.signal);
        break;
      case 'parallel': {
        const results = await Promise.allSettled(step.steps.map((child) => runStep(child, ctx)));
        const failed = results.find((result) => result.status === 'rejected');
        if (failed && failed.status === 'rejected') throw failed.reason;
        break;
      }
      case 'probe': {
        const sample = await runProbe(step.probe, 'method', ctx.probeEnv);
        ctx.tracker.recordMethodProbe(sample);
        break;
      }
      case 'action': {
        const result = await attemptAction(step.action, step.targets, {
          docker: ctx.docker,
          cwd: ctx.cwd,
          signal: ctx.signal,
          recorder: ctx.recorder,
          path: step.path,
          label: step.label,
        });
        if (!result.ok) throw new ActionError(`${step.path} ${step.label}: ${actionError(result)}`);
        break;
      }
      case 'fault':
        await injectAndHold(step, ctx);
        break;
    }
    end('done');
  } catch (error) {
    end('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * Injects into every target at once and holds each one for the step's duration, counted from the
 * moment that target's own Docker call started: a target hit early is not held longer because others
 * took time, and its revert is scheduled from its own start. A call that outlasts the duration (a stop
 * with a long grace period) is reverted as soon as it returns. If any target fails, the ones already
 * hit are reverted at once.
 */
async function injectAndHold(step: PlannedStep & { kind: 'fault' }, ctx: MethodContext): Promise<void> {
  const cutShort = new AbortController();
  const holding = AbortSignal.any([ctx.signal, cutShort.signal]);
  const injected: InjectedFault[] = [];
  const failures: (string | undefined)[] = [];
  await Promise.all(
    step.injections.map(async (injection, index) => {
      let fault: InjectedFault;
      try {
        fault = await injectOne(step, injection, ctx);
      } catch (error) {
        failures[index] = `${injection.target.name}: ${errorText(error)}`;
        cutShort.abort();
        return;
      }
      injected.push(fault);
      if (step.durationMs === undefined) return;
      try {
        await sleep(Math.max(0, fault.injectedAt.getTime() + step.durationMs - Date.now()), holding);
      } catch {
        // Cut short by an interrupt, a guard, the run's deadline or another target's failure.
      } finally {
        await ctx.registry.revert(fault);
      }
    }),
  );
  if (failures.some((failure) => failure !== undefined)) {
    await Promise.all(injected.map((fault) => ctx.registry.revert(fault)));
    throw new InjectionError(
      `${step.path} ${step.faultKind} failed on ${failures.filter((failure) => failure !== undefined).join('; ')}`,
    );
  }
  ctx.signal.throwIfAborted();
}

/** Injects one target, announcing it first; an announced fault that was never injected is recorded so. */
async function injectOne(
  step: PlannedStep & { kind: 'fault' },
  injection: PlannedInjection,
  ctx: MethodContext,
): Promise<InjectedFault> {
  const { target, faultId, fault } = injection;
  let announced = false;
  let done = () => {};
  const announce = (recipe: FamilyRecipe) => {
    ctx.announce(injection, recipe, step.durationMs);
    announced = true;
    done = ctx.registry.beginInjection();
  };
  try {
    const platform = platformOf(target) ?? ctx.platform;
    const injected = await familyOf(fault).inject(
      fault,
      target,
      faultId,
      { platform, network: ctx.network },
      announce,
    );
    ctx.registry.add(injected, step.durationMs);
    return injected;
  } catch (error) {
    if (announced) ctx.notInjected(injection);
    throw error;
  } finally {
    done();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
