import type { Output } from './output.js';

type LeftBehind = () => { faults: { what: string; remedy: string }[]; watchdogPid: number | undefined };

let describeLeft: LeftBehind | undefined;

/**
 * The run command registers what a forced exit would leave behind. Until one is registered, a signal
 * ends the process at once: there is nothing to revert.
 */
export function setLeftBehindReporter(reporter: LeftBehind | undefined): void {
  describeLeft = reporter;
}

/**
 * First SIGINT/SIGTERM: abort the run, which reverts everything and exits 130. Second: exit now, after
 * printing exactly what may be left injected and how to remove it.
 */
export function installSignalHandlers(output: Output): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    const c = output.colors;
    if (!describeLeft) process.exit(130);
    if (count === 1) {
      output.stderr.write(
        `\n${c.yellow(`${name}: reverting every injected fault`)} ${c.dim('(press Ctrl-C again to exit at once)')}\n`,
      );
      controller.abort(name);
      return;
    }
    const { faults, watchdogPid } = describeLeft();
    if (faults.length === 0) {
      output.stderr.write(`${c.red(`${name} again: exiting now.`)} No fault was left in place.\n`);
    } else {
      output.stderr.write(`${c.red(`${name} again: exiting now. These faults may still be in place:`)}\n`);
      for (const item of faults) output.stderr.write(`  ${item.what}    undo: ${item.remedy}\n`);
      output.stderr.write(
        watchdogPid
          ? `The run's watchdog (pid ${watchdogPid}) reverts them now; \`faultline status\` shows what is left.\n`
          : 'Run `faultline recover` to revert them.\n',
      );
    }
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
