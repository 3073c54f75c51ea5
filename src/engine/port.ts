import type { JournalEntry, RunResult, SessionResult } from '../model/journal.js';

export interface RunStart {
  file: string;
  title: string;
  seed: number;
  startedAt: string;
  /** The Docker Engine the run talks to, and why that one (e.g. `unix:///var/run/docker.sock (default)`). */
  engine?: string | undefined;
}

/**
 * The engine's event port: what a run tells whoever watches it. Reporters implement any of these
 * hooks. The multiplexer calls them and records, never rethrows, a reporter's error: a broken reporter
 * must never skip a revert.
 */
export interface Reporter {
  readonly name: string;
  onRunStart?(run: RunStart): void | Promise<void>;
  onEvent?(entry: JournalEntry): void | Promise<void>;
  onRunEnd?(result: RunResult): void | Promise<void>;
  onSessionEnd?(session: SessionResult): void | Promise<void>;
}
