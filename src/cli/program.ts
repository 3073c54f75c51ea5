import { Command, CommanderError } from 'commander';
import type { StartedWatchdog } from '../safety/watchdog-process.js';
import { VERSION } from '../version.js';
import type { HelperImageOptions } from './commands/helper-image.js';
import { isTerminal, nodeStream } from './fd-writer.js';
import { addOptions, COMMAND_OPTIONS } from './options.js';
import type { Output } from './output.js';

/** The command's own options, with the Engine options given before or after the command name. */
type WithGlobals = <T extends object>(options: T) => T & { host?: string; context?: string };

export interface CommandContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted by the first SIGINT/SIGTERM (installed by the entry point for `run`). */
  interrupt: AbortSignal;
  /** Exit code of the command, set by the command. */
  setExitCode(code: number): void;
  /** `run`'s first watchdog, when bin/faultline.js started it before loading the CLI. */
  earlyWatchdog?: StartedWatchdog | undefined;
}

/**
 * Builds the command tree. Command implementations are loaded only when their command runs, so
 * `faultline --version` starts fast.
 */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command('faultline')
    .description(
      'Chaos experiments for Docker: break things on purpose, check the system copes, revert everything.',
    )
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run `faultline help` for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.output.stdout.write(text),
      writeErr: (text) => ctx.output.stderr.write(text),
      // As commander's own, but Node's stream is looked at only on a terminal (see standardStream).
      // Like commander's, they give undefined (its default width) elsewhere, which its types omit.
      getOutHelpWidth: () => (isTerminal(1) ? process.stdout.columns : undefined) as number,
      getErrHelpWidth: () => (isTerminal(2) ? process.stderr.columns : undefined) as number,
      getOutHasColors: () => hasColors(1, ctx.env),
      getErrHasColors: () => hasColors(2, ctx.env),
    })
    .configureHelp({ showGlobalOptions: true });
  addOptions(program, COMMAND_OPTIONS.faultline);
  const withGlobals: WithGlobals = (options) => ({ ...program.opts(), ...options });
  addExperimentCommands(program, ctx, withGlobals);
  addHostCommands(program, ctx, withGlobals);
  return program;
}

/** commander's rule for colour in its help and errors: the environment first, then the terminal. */
function hasColors(fd: 1 | 2, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return isTerminal(fd) && nodeStream(fd).hasColors();
}

const FILES_ARGUMENT =
  'experiment files or folders (a folder gives its own .yaml, .yml and .json experiments, not those of its subfolders; its other files are skipped)';

/** The commands that read experiment files, and the format of those files. */
function addExperimentCommands(program: Command, ctx: CommandContext, withGlobals: WithGlobals): void {
  addOptions(program.command('run'), COMMAND_OPTIONS.run)
    .description(
      'run experiments: check the hypothesis before, during and after the faults; revert everything',
    )
    .argument('<files...>', FILES_ARGUMENT)
    .action(async (files: string[], options: Record<string, unknown>) => {
      const { runCommand } = await import('./commands/run.js');
      ctx.setExitCode(await runCommand(files, withGlobals(options), ctx));
    });

  addOptions(program.command('validate'), COMMAND_OPTIONS.validate)
    .description('check experiment files without touching Docker')
    .argument('<files...>', FILES_ARGUMENT)
    .action(async (files: string[], options: Record<string, unknown>) => {
      const { validateCommand } = await import('./commands/validate.js');
      ctx.setExitCode(await validateCommand(files, options, ctx));
    });

  addOptions(program.command('plan'), COMMAND_OPTIONS.plan)
    .description('show the resolved targets and every action a run would take; changes nothing')
    .argument('<files...>', FILES_ARGUMENT)
    .action(async (files: string[], options: Record<string, unknown>) => {
      const { planCommand } = await import('./commands/plan.js');
      ctx.setExitCode(await planCommand(files, withGlobals(options), ctx));
    });

  addOptions(program.command('init'), COMMAND_OPTIONS.init)
    .description('write a starter experiment from a compose file: its ports and healthchecks as probes')
    .action(async (options: Record<string, unknown>) => {
      const { initCommand } = await import('./commands/init.js');
      ctx.setExitCode(await initCommand(options, ctx));
    });

  addOptions(program.command('report'), COMMAND_OPTIONS.report)
    .description('compare the JSON reports of several runs on one page, deltas marked')
    .argument('<reports...>', 'JSON reports of `run --report json=PATH`, or folders of them')
    .action(async (reports: string[], options: Record<string, unknown>) =>
      ctx.setExitCode(await (await import('./commands/report.js')).reportCommand(reports, options, ctx)),
    );

  program
    .command('explain')
    .description('describe a step kind, a key or a field of experiment files: its type, default and values')
    .argument('<name>', 'e.g. pause, hypothesis, http.expect, safety.max-targets')
    .action(async (name: string) => {
      const { explainCommand } = await import('./commands/explain.js');
      ctx.setExitCode(await explainCommand(name, ctx));
    });

  program
    .command('completion')
    .description('print a shell completion script: eval "$(faultline completion bash)"')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const { completionCommand } = await import('./commands/completion.js');
      ctx.setExitCode(await completionCommand(shell, program, ctx));
    });

  program
    .command('schema')
    .description('print the JSON Schema of experiment files (for editor completion and checks)')
    .action(async () => {
      const { schemaCommand } = await import('./commands/schema.js');
      ctx.setExitCode(await schemaCommand(ctx));
    });
}

/** The commands about this host and what runs on it. */
function addHostCommands(program: Command, ctx: CommandContext, withGlobals: WithGlobals): void {
  addOptions(program.command('doctor'), COMMAND_OPTIONS.doctor)
    .description('check what this host can do: Docker, the way into network namespaces, kernel features')
    .action(async (options: Record<string, unknown>) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      ctx.setExitCode(await doctorCommand(withGlobals(options), ctx));
    });

  addOptions(program.command('recover'), COMMAND_OPTIONS.recover)
    .description(
      'revert whatever earlier runs left (from their ledgers and by scanning Docker); safe at any time',
    )
    .action(async (options: Record<string, unknown>) => {
      const { recoverCommand } = await import('./commands/recover.js');
      ctx.setExitCode(await recoverCommand(withGlobals(options), ctx));
    });

  addOptions(program.command('status'), COMMAND_OPTIONS.status)
    .description('list the runs active now and the faults they hold')
    .action(async (options: Record<string, unknown>) => {
      const { statusCommand } = await import('./commands/status.js');
      ctx.setExitCode(await statusCommand(withGlobals(options), ctx));
    });

  addOptions(program.command('helper-image'), COMMAND_OPTIONS['helper-image'])
    .description(
      "build the helper image for network faults: offline from this host's tc, ip and iptables when it can, else from images/helper/Dockerfile",
    )
    .action(async (options: HelperImageOptions) => {
      const { helperImageCommand } = await import('./commands/helper-image.js');
      ctx.setExitCode(await helperImageCommand(withGlobals(options), ctx));
    });
}

export { CommanderError };
