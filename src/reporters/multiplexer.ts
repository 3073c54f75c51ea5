import type { Reporter, RunStart } from '../engine/port.js';
import { errorMessage } from '../errors.js';
import type { JournalEntry, RunResult, SessionResult } from '../model/journal.js';
import { type Redactor, secrets } from '../util/redact.js';

export type ReporterHook = 'onRunStart' | 'onEvent' | 'onRunEnd' | 'onSessionEnd';

/** What a hook is given. */
type HookPayload<H extends ReporterHook> = Parameters<NonNullable<Reporter[H]>>[0];

export interface ReporterFailure {
  reporter: string;
  hook: ReporterHook;
  message: string;
}

export type ReporterErrorHandler = (reporter: string, hook: ReporterHook, error: unknown) => void;

/**
 * Fans every hook out to the reporters, one after the other. A reporter that throws is recorded and
 * reported through `onReporterError`, never rethrown: a broken report must not stop a revert. Every
 * string a reporter is given has been through the redactor first: no report can print a secret.
 */
export class ReporterMultiplexer implements Reporter {
  readonly name = 'multiplexer';
  readonly errors: ReporterFailure[] = [];
  private readonly reporters: readonly Reporter[];
  private readonly onReporterError: ReporterErrorHandler;
  private readonly redactor: Redactor;

  constructor(
    reporters: readonly Reporter[],
    onReporterError: ReporterErrorHandler = () => {},
    redactor: Redactor = secrets,
  ) {
    this.reporters = [...reporters];
    this.onReporterError = onReporterError;
    this.redactor = redactor;
  }

  async onRunStart(run: RunStart): Promise<void> {
    await this.fanOut('onRunStart', run);
  }

  async onEvent(entry: JournalEntry): Promise<void> {
    await this.fanOut('onEvent', entry);
  }

  async onRunEnd(result: RunResult): Promise<void> {
    await this.fanOut('onRunEnd', result);
  }

  async onSessionEnd(session: SessionResult): Promise<void> {
    await this.fanOut('onSessionEnd', session);
  }

  /** Redacts the payload once, then calls the hook of each reporter that has it, in order. */
  private async fanOut<H extends ReporterHook>(hook: H, payload: HookPayload<H>): Promise<void> {
    const safe = this.redactor.redactDeep(payload);
    for (const reporter of this.reporters) {
      try {
        await (reporter[hook] as ((value: HookPayload<H>) => void | Promise<void>) | undefined)?.call(
          reporter,
          safe,
        );
      } catch (error) {
        this.record(reporter, hook, error);
      }
    }
  }

  private record(reporter: Reporter, hook: ReporterHook, error: unknown): void {
    const name = reporterName(reporter);
    this.errors.push({ reporter: name, hook, message: this.redactor.redact(safeMessage(error)) });
    try {
      this.onReporterError(name, hook, error);
    } catch {
      // The handler only reports; its own failure must not reach the run either.
    }
  }
}

function reporterName(reporter: Reporter): string {
  try {
    return String(reporter.name);
  } catch {
    return 'unknown reporter';
  }
}

function safeMessage(error: unknown): string {
  try {
    return errorMessage(error);
  } catch {
    return 'an error that could not be described';
  }
}
