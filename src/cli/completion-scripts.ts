import type { CompletedOption, CompletionModel } from './completion-model.js';

/** Single-quoted for a POSIX shell (bash, zsh): a quote inside becomes '\''. */
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
const words = (list: readonly string[]) => list.join(' ');
const flagsOf = (options: readonly CompletedOption[]) => options.flatMap((option) => option.flags);
const valueOptions = (options: readonly CompletedOption[]) =>
  options.filter((option) => option.takesValue).flatMap((option) => option.flags);

/** bash: `eval "$(faultline completion bash)"`, or save it in bash-completion's folder. */
export function bashScript(model: CompletionModel): string {
  const commandCases = model.commands
    .map((command) => `    ${command.name}) opts=${quote(words(flagsOf(command.options)))} ;;`)
    .join('\n');
  const allOptions = [...model.global, ...model.commands.flatMap((command) => command.options)];
  const valueCases = allOptions
    .filter((option) => option.values)
    .map(
      (option) =>
        `    ${option.flags.join('|')}) COMPREPLY=($(compgen -W ${quote(words(option.values!))} -- "$cur")); return ;;`,
    )
    .join('\n');
  const takingValue = [...new Set(valueOptions(allOptions))];
  return `# faultline completion for bash
_faultline() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local commands=${quote(words(model.commands.map((command) => command.name)))}
  local global=${quote(words(flagsOf(model.global)))}
  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -H|--host|--context) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${valueCases}
    ${takingValue.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
    return
  fi
  local opts=""
  case "$cmd" in
${commandCases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case "$cmd" in
    explain) COMPREPLY=($(compgen -W ${quote(words(model.explainNames))} -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W ${quote(words(model.shells))} -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -o filenames -o bashdefault -F _faultline faultline
`;
}

/** zsh: `source <(faultline completion zsh)` after compinit, or save it as _faultline in $fpath. */
export function zshScript(model: CompletionModel): string {
  const describe = (name: string, text: string) => quote(`${name.replaceAll(':', '\\:')}:${text}`);
  const commandList = model.commands
    .map((command) => `    ${describe(command.name, command.description)}`)
    .join('\n');
  const optionCases = model.commands
    .map((command) => `    ${command.name}) opts=(${words(flagsOf(command.options).map(quote))}) ;;`)
    .join('\n');
  const allOptions = [...model.global, ...model.commands.flatMap((command) => command.options)];
  const valueCases = allOptions
    .filter((option) => option.values)
    .map((option) => `    ${option.flags.join('|')}) compadd -- ${words(option.values!)}; return ;;`)
    .join('\n');
  return `#compdef faultline
# faultline completion for zsh
_faultline() {
  local -a commands opts
  commands=(
${commandList}
  )
  local cmd="" i
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      -H|--host|--context) ((i++)) ;;
      -*) ;;
      *) cmd="\${words[i]}"; break ;;
    esac
  done
  case "\${words[CURRENT-1]}" in
${valueCases}
    ${[...new Set(valueOptions(allOptions))].join('|')}) _files; return ;;
  esac
  if [[ -z "$cmd" ]]; then
    if [[ "$PREFIX" == -* ]]; then compadd -- ${words(flagsOf(model.global))}; else _describe 'command' commands; fi
    return
  fi
  case "$cmd" in
${optionCases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    compadd -- $opts
    return
  fi
  case "$cmd" in
    explain) compadd -- ${words(model.explainNames)} ;;
    completion) compadd -- ${words(model.shells)} ;;
    *) _files ;;
  esac
}
if (( $+functions[compdef] )); then compdef _faultline faultline; fi
`;
}

/** fish: `faultline completion fish | source`, or save it in ~/.config/fish/completions/faultline.fish. */
export function fishScript(model: CompletionModel): string {
  const fishQuote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const lines = ['# faultline completion for fish', 'complete -c faultline -f'];
  const names = words(model.commands.map((command) => command.name));
  const optionLine = (condition: string, option: CompletedOption) => {
    const parts = option.flags.map((flag) =>
      flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`,
    );
    const value = option.values
      ? ` -x -a ${fishQuote(words(option.values))}`
      : option.takesValue
        ? ' -r -F'
        : '';
    return `complete -c faultline -n ${fishQuote(condition)} ${parts.join(' ')}${value} -d ${fishQuote(option.description)}`;
  };
  for (const option of model.global) lines.push(optionLine('true', option));
  for (const command of model.commands) {
    lines.push(
      `complete -c faultline -n ${fishQuote(`not __fish_seen_subcommand_from ${names}`)} -a ${command.name} -d ${fishQuote(command.description)}`,
    );
    const seen = `__fish_seen_subcommand_from ${command.name}`;
    for (const option of command.options) lines.push(optionLine(seen, option));
  }
  lines.push(
    `complete -c faultline -n '__fish_seen_subcommand_from explain' -a ${fishQuote(words(model.explainNames))}`,
  );
  lines.push(
    `complete -c faultline -n '__fish_seen_subcommand_from completion' -a ${fishQuote(words(model.shells))}`,
  );
  lines.push(`complete -c faultline -n '__fish_seen_subcommand_from run validate plan' -F`);
  return `${lines.join('\n')}\n`;
}
