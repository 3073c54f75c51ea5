import { type Command, Option } from 'commander';
import { REPORT_KINDS } from '../reporters/registry.js';

/**
 * One command-line option, declared once and added to every command that takes it. Values are
 * checked by the command that reads them (it knows the environment defaults and says what to do);
 * `parser` only shapes what commander stores, e.g. collects a repeatable option into a list.
 */
export interface OptionSpec {
  /** The key the value is stored under (commander's camelCase of the long flag). */
  name: string;
  flags: string;
  description: string;
  parser?: (value: string, previous: string[] | undefined) => string[];
}

/** A repeatable option: every occurrence is kept, in order. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const OPTIONS = {
  host: {
    name: 'host',
    flags: '-H, --host <url>',
    description: 'Docker Engine to use: unix:///path, tcp://host:port or ssh://user@host (like docker -H)',
  },
  context: {
    name: 'context',
    flags: '--context <name>',
    description: 'Docker context to use (like docker --context; see `docker context ls`)',
  },
  seed: {
    name: 'seed',
    flags: '--seed <n>',
    description: 'seed for random target selection',
  },
  maxHold: {
    name: 'maxHold',
    flags: '--max-hold <duration>',
    description: 'hard maximum for any fault, whatever the experiment says (e.g. 10m)',
  },
  requireLabel: {
    name: 'requireLabel',
    flags: '--require-label <key=value>',
    description: 'only fault containers carrying this label (repeatable)',
    parser: collect,
  },
  via: {
    name: 'via',
    flags: '--via <way>',
    description: 'how network faults reach targets: auto, nsenter, helper, exec (default auto)',
  },
  helperImage: {
    name: 'helperImage',
    flags: '--helper-image <image>',
    description: 'image with tc, ip and iptables for --via helper (default faultline/nettools:1)',
  },
  progress: {
    name: 'progress',
    flags: '--progress <mode>',
    description:
      'auto (a live status line on an interactive terminal, plain lines elsewhere), plain (timestamped lines) or tty (default auto, or $FAULTLINE_PROGRESS)',
  },
  report: {
    name: 'report',
    flags: '--report <kind=path>',
    description: `write a report: ${REPORT_KINDS.map((kind) => `${kind.name}=PATH`).join(', ')} (repeatable)`,
    parser: collect,
  },
  image: {
    name: 'image',
    flags: '--image <name>',
    description: 'image name (default faultline/nettools:1)',
  },
  force: {
    name: 'force',
    flags: '--force',
    description: 'rebuild even when up to date, or replace an image faultline did not build',
  },
  from: {
    name: 'from',
    flags: '--from <way>',
    description: 'auto (default), host (offline from host binaries) or dockerfile',
  },
  base: {
    name: 'base',
    flags: '--base <image>',
    description: 'base image of the Dockerfile build (default debian:bookworm-slim)',
  },
  buildNetwork: {
    name: 'buildNetwork',
    flags: '--build-network <mode>',
    description: "network of the Dockerfile's install step (none, host, ...)",
  },
  compose: {
    name: 'compose',
    flags: '--compose <file>',
    description:
      'compose file to read (default: compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml here)',
  },
  out: {
    name: 'out',
    flags: '--out <dir>',
    description: 'folder to write the experiment and its JSON Schema into (default experiments)',
  },
  var: {
    name: 'var',
    flags: '--var <name=value>',
    description: 'value for ${name} in experiments, over their own vars and --var-file (repeatable)',
    parser: collect,
  },
  varFile: {
    name: 'varFile',
    flags: '--var-file <file>',
    description: "YAML file of name: value pairs for ${name}, over the experiments' own vars (repeatable)",
    parser: collect,
  },
  tag: {
    name: 'tag',
    flags: '--tag <tag>',
    description: 'only experiments with this tag (repeatable: any of them)',
    parser: collect,
  },
  grep: {
    name: 'grep',
    flags: '--grep <regex>',
    description: 'only experiments whose title or file path matches this regular expression',
  },
  json: {
    name: 'json',
    flags: '--json',
    description: 'print one JSON document on stdout (messages go to stderr); exit codes stay the same',
  },
  quiet: {
    name: 'quiet',
    flags: '-q, --quiet',
    description: 'print only the verdict of each experiment and errors',
  },
  verbose: {
    name: 'verbose',
    flags: '--verbose',
    description: 'also print every probe sample with its checks (expected and actual)',
  },
} as const satisfies Record<string, OptionSpec>;

/** The same option, described for one command's context (the flags and the parser stay shared). */
export function describedAs(spec: OptionSpec, description: string): OptionSpec {
  return { ...spec, description };
}

/** The options of each command that takes any, in the order `--help` lists them. */
export const COMMAND_OPTIONS = {
  faultline: [OPTIONS.host, OPTIONS.context],
  run: [
    describedAs(OPTIONS.seed, 'seed for random target selection (printed with every run, to reproduce it)'),
    OPTIONS.maxHold,
    OPTIONS.requireLabel,
    OPTIONS.via,
    OPTIONS.helperImage,
    OPTIONS.progress,
    OPTIONS.report,
    OPTIONS.var,
    OPTIONS.varFile,
    OPTIONS.tag,
    OPTIONS.grep,
    OPTIONS.quiet,
    OPTIONS.verbose,
  ],
  validate: [OPTIONS.var, OPTIONS.varFile, OPTIONS.tag, OPTIONS.grep, OPTIONS.json],
  plan: [
    OPTIONS.seed,
    OPTIONS.via,
    OPTIONS.helperImage,
    OPTIONS.var,
    OPTIONS.varFile,
    OPTIONS.tag,
    OPTIONS.grep,
    OPTIONS.json,
  ],
  doctor: [OPTIONS.via, OPTIONS.helperImage, OPTIONS.json],
  status: [OPTIONS.json],
  recover: [
    describedAs(OPTIONS.via, 'how to reach network namespaces for the scan: auto, nsenter, helper, exec'),
    describedAs(OPTIONS.helperImage, 'image with tc, ip and iptables for --via helper'),
  ],
  'helper-image': [OPTIONS.image, OPTIONS.force, OPTIONS.from, OPTIONS.base, OPTIONS.buildNetwork],
  init: [OPTIONS.compose, OPTIONS.out, describedAs(OPTIONS.force, 'replace files that exist')],
  report: [
    {
      ...OPTIONS.out,
      flags: '--out <file>',
      description: 'write a .html or .md file, not Markdown on stdout',
    },
  ],
} as const satisfies Record<string, readonly OptionSpec[]>;

/** Adds the options to the command, in order. */
export function addOptions(command: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    const option = new Option(spec.flags, spec.description);
    command.addOption(spec.parser ? option.argParser(spec.parser) : option);
  }
  return command;
}
