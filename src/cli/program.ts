import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.js';
import type { HelperImageOptions } from './commands/helper-image.js';
import type { Output } from './output.js';

export interface CommandContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted by the first SIGINT/SIGTERM (installed by the entry point for `run`). */
  interrupt: AbortSignal;
  /** Exit code of the command, set by the command. */
  setExitCode(code: number): void;
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
    })
    .configureHelp({ showGlobalOptions: true })
    .option(
      '-H, --host <url>',
      'Docker Engine to use: unix:///path, tcp://host:port or ssh://user@host (like docker -H)',
    )
    .option('--context <name>', 'Docker context to use (like docker --context; see `docker context ls`)');
  /** The command's own options, with the Engine options given before or after the command name. */
  const withGlobals = <T extends object>(options: T): T & { host?: string; context?: string } => ({
    ...program.opts(),
    ...options,
  });

  program
    .command('run')
    .description(
      'run experiments: check the hypothesis before, during and after the faults; revert everything',
    )
    .argument('<files...>', 'experiment files or folders')
    .option('--seed <n>', 'seed for random target selection (printed with every run, to reproduce it)')
    .option('--max-hold <duration>', 'hard maximum for any fault, whatever the experiment says (e.g. 10m)')
    .addOption(
      new Option(
        '--require-label <key=value>',
        'only fault containers carrying this label (repeatable)',
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .option('--via <way>', 'how network faults reach targets: auto, nsenter, helper, exec (default auto)')
    .option(
      '--helper-image <image>',
      'image with tc, ip and iptables for --via helper (default faultline/nettools:1)',
    )
    .option(
      '--progress <mode>',
      'auto (a live status line on an interactive terminal, plain lines elsewhere), plain (timestamped lines) or tty (default auto, or $FAULTLINE_PROGRESS)',
    )
    .addOption(
      new Option(
        '--report <kind=path>',
        'write a report: json=PATH, junit=PATH, markdown=PATH, html=PATH (repeatable)',
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .action(async (files: string[], options: Record<string, unknown>) => {
      const { runCommand } = await import('./commands/run.js');
      ctx.setExitCode(await runCommand(files, withGlobals(options), ctx));
    });

  program
    .command('validate')
    .description('check experiment files without touching Docker')
    .argument('<files...>', 'experiment files or folders')
    .action(async (files: string[]) => {
      const { validateCommand } = await import('./commands/validate.js');
      ctx.setExitCode(await validateCommand(files, ctx));
    });

  program
    .command('plan')
    .description('show the resolved targets and every action a run would take; changes nothing')
    .argument('<files...>', 'experiment files or folders')
    .option('--seed <n>', 'seed for random target selection')
    .option('--via <way>', 'how network faults reach targets: auto, nsenter, helper, exec (default auto)')
    .option(
      '--helper-image <image>',
      'image with tc, ip and iptables for --via helper (default faultline/nettools:1)',
    )
    .action(async (files: string[], options: Record<string, unknown>) => {
      const { planCommand } = await import('./commands/plan.js');
      ctx.setExitCode(await planCommand(files, withGlobals(options), ctx));
    });

  program
    .command('schema')
    .description('print the JSON Schema of experiment files (for editor completion and checks)')
    .action(async () => {
      const { schemaCommand } = await import('./commands/schema.js');
      ctx.setExitCode(await schemaCommand(ctx));
    });

  program
    .command('doctor')
    .description('check what this host can do: Docker, the way into network namespaces, kernel features')
    .option('--via <way>', 'how network faults reach targets: auto, nsenter, helper, exec (default auto)')
    .option(
      '--helper-image <image>',
      'image with tc, ip and iptables for --via helper (default faultline/nettools:1)',
    )
    .action(async (options: Record<string, unknown>) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      ctx.setExitCode(await doctorCommand(withGlobals(options), ctx));
    });

  program
    .command('recover')
    .description(
      'revert whatever earlier runs left (from their ledgers and by scanning Docker); safe at any time',
    )
    .option('--via <way>', 'how to reach network namespaces for the scan: auto, nsenter, helper, exec')
    .option('--helper-image <image>', 'image with tc, ip and iptables for --via helper')
    .action(async (options: Record<string, unknown>) => {
      const { recoverCommand } = await import('./commands/recover.js');
      ctx.setExitCode(await recoverCommand(withGlobals(options), ctx));
    });

  program
    .command('status')
    .description('list the runs active now and the faults they hold')
    .action(async () => {
      const { statusCommand } = await import('./commands/status.js');
      ctx.setExitCode(await statusCommand(withGlobals({}), ctx));
    });

  program
    .command('helper-image')
    .description(
      "build the helper image for network faults: offline from this host's tc, ip and iptables when it can, else from images/helper/Dockerfile",
    )
    .option('--image <name>', 'image name (default faultline/nettools:1)')
    .option('--force', 'rebuild even when up to date, or replace an image faultline did not build')
    .option('--from <way>', 'auto (default), host (offline from host binaries) or dockerfile')
    .option('--base <image>', 'base image of the Dockerfile build (default debian:bookworm-slim)')
    .option('--build-network <mode>', "network of the Dockerfile's install step (none, host, ...)")
    .action(async (options: HelperImageOptions) => {
      const { helperImageCommand } = await import('./commands/helper-image.js');
      ctx.setExitCode(await helperImageCommand(withGlobals(options), ctx));
    });

  return program;
}

export { CommanderError };
