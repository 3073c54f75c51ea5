import type { Command } from 'commander';

/** What a completion script completes, read from the command tree so it never falls behind it. */
export interface CompletionModel {
  commands: { name: string; description: string; options: CompletedOption[] }[];
  /** Options before the command name (-H, --context, --help, --version). */
  global: CompletedOption[];
  /** The names `faultline explain` takes. */
  explainNames: string[];
  shells: string[];
}

export interface CompletedOption {
  flags: string[];
  description: string;
  /** Values it takes, when they are a fixed list. */
  values?: string[];
  takesValue: boolean;
}

/** Values of options that are a fixed list. */
const OPTION_VALUES: Record<string, string[]> = {
  '--via': ['auto', 'nsenter', 'helper', 'exec'],
  '--progress': ['auto', 'plain', 'tty'],
  '--from': ['auto', 'host', 'dockerfile'],
};

function optionsOf(command: Command): CompletedOption[] {
  const options = command.options.map((option) => {
    const flags = [option.short, option.long].filter((flag): flag is string => flag !== undefined);
    const values = option.long ? OPTION_VALUES[option.long] : undefined;
    return {
      flags,
      description: option.description,
      takesValue: option.required || option.optional,
      ...(values ? { values } : {}),
    };
  });
  return [
    ...options,
    { flags: ['-h', '--help'], description: 'display help for command', takesValue: false },
  ];
}

export function completionModel(program: Command, explainNames: string[], shells: string[]): CompletionModel {
  return {
    commands: program.commands
      .filter((command) => command.name() !== 'help')
      .map((command) => ({
        name: command.name(),
        description: command.description(),
        options: optionsOf(command),
      })),
    global: optionsOf(program),
    explainNames,
    shells,
  };
}
