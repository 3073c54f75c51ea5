import type { CommandResult, NetnsRunner, RunOptions } from '../../../src/network/netns-runner.js';
import type { Target } from '../../../src/targets/target.js';

export const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
export const fail = (stderr: string, exitCode = 1): CommandResult => ({ exitCode, stdout: '', stderr });

/**
 * A way into network namespaces for unit tests: records every command (by target name) and answers
 * with `answer`, which may also throw (a TargetGoneError, say) as a real runner does.
 */
export class FakeNetnsRunner implements NetnsRunner {
  readonly via = 'nsenter' as const;
  readonly calls: { target: string; argv: string[]; input?: string }[] = [];
  disposed = 0;

  constructor(
    public answer: (argv: string[], target: Target, input?: string) => CommandResult | Promise<CommandResult>,
  ) {}

  async run(target: Target, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.calls.push({
      target: target.name,
      argv: [...argv],
      ...(options.input === undefined ? {} : { input: options.input }),
    });
    return this.answer([...argv], target, options.input);
  }

  display(target: Target, argv: readonly string[]): string {
    return `nsenter ${target.name} ${argv.join(' ')}`;
  }

  async dispose(): Promise<void> {
    this.disposed++;
  }

  /** The commands run, each as one line. */
  lines(): string[] {
    return this.calls.map((call) => call.argv.join(' '));
  }
}
