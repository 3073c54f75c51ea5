// faultline's engine as the bench drives it, through entry points that stay as the internals change:
// buildPlan on a parsed experiment, then each planned injection through its family in the fault-driver
// registry (familyOf(plan).inject, what `faultline run` does for every target of a step at once), then
// revert() for all at once, then the run's way into namespaces disposed of (helpers removed).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { liveContexts } from './cleanup.mjs';
import { plannedInjections } from './common.mjs';

/** Loads the built modules the bench uses (dist/, `npm run build`). */
export async function loadDist() {
  const dist = (file) => new URL(`../../dist/${file}`, import.meta.url);
  if (!existsSync(fileURLToPath(dist('engine/plan.js')))) {
    throw new Error('dist/ is missing: run `npm run build` first (or `npm run bench`, which builds)');
  }
  const { createDockerClient } = await import(dist('docker/dockerode-client.js'));
  const { buildPlan, allInjections } = await import(dist('engine/plan.js'));
  const { familyOf } = await import(dist('faults/registry.js'));
  const { parseExperiment } = await import(dist('experiment/load.js'));
  const { NetworkContext } = await import(dist('network/network-fault.js'));
  const { NsenterRunner, HelperRunner } = await import(dist('network/netns-runner.js'));
  const { chooseRunner } = await import(dist('network/setup.js'));
  const { DockerPlatform } = await import(dist('platform/docker/docker-platform.js'));
  const { DEFAULT_HELPER_IMAGE } = await import(dist('docker/labels.js'));
  return {
    createDockerClient,
    buildPlan,
    allInjections,
    familyOf,
    parseExperiment,
    NetworkContext,
    NsenterRunner,
    HelperRunner,
    chooseRunner,
    DockerPlatform,
    DEFAULT_HELPER_IMAGE,
  };
}

/** Counts the processes run in namespaces (a command, or a talk); passes everything (stdin input included) through unchanged. */
function counting(inner) {
  const counter = { count: 0 };
  const runner = Object.create(inner);
  runner.run = (target, argv, options) => {
    counter.count++;
    return inner.run(target, argv, options);
  };
  // A talk (a look and its follow-up in one process, on the nsenter way) is one process.
  if (inner.talk)
    runner.talk = (target, look, then) => {
      counter.count++;
      return inner.talk(target, look, then);
    };
  return { runner, counter };
}

/**
 * One engine repetition: plans (timed apart), then returns a handle whose inject, revert and dispose the
 * caller times. `via` is nsenter or helper: the way into namespaces for network faults.
 */
export async function engineRep({ dist, client, loaded, expected, via, helperImage }) {
  const { runId, planMs, injections } = await plannedInjections({ dist, client, loaded, expected });
  // As a run does before its baseline (not timed): nsenter is chosen once every target's pid is seen
  // here, and the runner starts from the pids it checked.
  const targets = injections.map((injection) => injection.target);
  const inner =
    via === 'helper'
      ? new dist.HelperRunner(client, helperImage, runId)
      : (await dist.chooseRunner(client, { via: 'nsenter', helperImage }, runId, { targets })).runner;
  const { runner, counter } = counting(inner);
  const context = new dist.NetworkContext(runner);
  liveContexts.add(context);
  const ctx = { platform: new dist.DockerPlatform(client), network: () => context };
  let faults = [];
  return {
    planMs,
    async inject() {
      const settled = await Promise.allSettled(
        injections.map((injection) =>
          dist
            .familyOf(injection.fault)
            .inject(injection.fault, injection.target, injection.faultId, ctx, () => undefined),
        ),
      );
      faults = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failed = settled.flatMap((result, i) =>
        result.status === 'rejected'
          ? [`${injections[i].target.name}: ${result.reason?.message ?? result.reason}`]
          : [],
      );
      if (failed.length > 0) {
        await Promise.all(faults.map((fault) => fault.revert()));
        throw new Error(
          `${injections[0].kind} via ${via} failed on ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}\n  (if chains or helpers vanished mid-run, something else on this host removes faultline's leftovers, such as \`faultline recover\`: run the bench on a quiet host)`,
        );
      }
      return counter.count;
    },
    async revert() {
      const before = counter.count;
      const outcomes = await Promise.all(faults.map((fault) => fault.revert()));
      return {
        commands: counter.count - before,
        outcomes: outcomes.map((outcome) => outcome.status),
        failures: outcomes.filter((o) => o.status === 'failed').map((o) => o.detail),
      };
    },
    async dispose() {
      try {
        await context.dispose();
      } finally {
        liveContexts.delete(context);
      }
    },
  };
}
