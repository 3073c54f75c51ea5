import type { ProcessList } from '../../docker/client.js';

/** What a `signal` step picks in a target, as data. */
export interface ProcessMatch {
  /** An exact process name (comm), or a regular expression on the full command line. */
  process?: string | undefined;
  pattern?: string | undefined;
  /** How many to signal, lowest PIDs first; undefined with `all`. */
  count?: number | undefined;
  all?: boolean | undefined;
  /** Whether the container's main process may be picked. */
  pid1?: boolean | undefined;
}

export interface ListedProcess {
  /** The PID on the Engine's host. */
  pid: number;
  comm: string;
  args: string;
}

/** The `ps` columns `docker top` is asked for: the last one (the command line) may hold spaces. */
export const PS_ARGS = '-o pid,comm,args';

export function parseTop(list: ProcessList): ListedProcess[] {
  return list.processes.map((row) => {
    // The Engine splits ps output on spaces and keeps the rest of the line in the last column.
    const [pid, comm, ...rest] = row.length >= 3 ? row : (row[0] ?? '').trim().split(/\s+/);
    return { pid: Number(pid), comm: comm ?? '', args: rest.join(' ') };
  });
}

function which(match: ProcessMatch): string {
  return match.process !== undefined
    ? `named "${match.process}"`
    : `with a command line matching /${match.pattern}/`;
}

export function describeMatch(match: ProcessMatch): string {
  const how = match.all
    ? 'every process'
    : `${match.count ?? 1} process${(match.count ?? 1) > 1 ? 'es' : ''}`;
  return `${how} ${which(match)}${match.pid1 ? ' (PID 1 included)' : ''}`;
}

/** Thrown when the step cannot pick what it asked for; nothing has been signalled. */
export class NoProcessMatched extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoProcessMatched';
  }
}

/**
 * The processes a step signals in a target whose main process has host PID `mainPid`. Throws
 * NoProcessMatched when none matches, naming the processes there are, or when only PID 1 does.
 */
export function pickProcesses(
  listed: readonly ListedProcess[],
  mainPid: number,
  match: ProcessMatch,
  targetName: string,
): ListedProcess[] {
  const regex = match.pattern === undefined ? undefined : new RegExp(match.pattern);
  const matching = listed
    .filter((entry) => (regex ? regex.test(entry.args) : entry.comm === match.process))
    .sort((a, b) => a.pid - b.pid);
  const allowed = match.pid1 ? matching : matching.filter((entry) => entry.pid !== mainPid);
  if (allowed.length === 0) {
    if (matching.length > 0) {
      throw new NoProcessMatched(
        `the only process of ${targetName} ${which(match)} is its main process (PID 1 in the container): add \`pid-1: true\` to the step to signal it`,
      );
    }
    const seen = listed.map((entry) => `${entry.comm}[${entry.pid}]`).join(', ') || 'none';
    throw new NoProcessMatched(`no process of ${targetName} ${which(match)} (its processes: ${seen})`);
  }
  return match.all ? allowed : allowed.slice(0, match.count ?? 1);
}
