import type { JournalEntry, ProbeSample } from '../model/journal.js';
import { describeTarget } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';

/** What a sample's count says: "1 attempt", "3 attempts" (a reporter may say a workload's writes). */
export type SampleCount = (sample: ProbeSample) => string;

export const attemptsInWords: SampleCount = (sample) =>
  sample.attempts === 1 ? '1 attempt' : `${sample.attempts} attempts`;

/** The journal as plain timestamped lines: the JUnit suite's system-out and the HTML page's journal. */
export function journalText(journal: JournalEntry[], countOf: SampleCount = attemptsInWords): string {
  return journal.map((entry) => lineOf(entry, countOf)).join('\n');
}

function lineOf(entry: JournalEntry, countOf: SampleCount): string {
  const prefix = `${clockTime(entry.at)} +${(Math.max(0, entry.t) / 1000).toFixed(3)}s `;
  const indent = `\n${' '.repeat(prefix.length)}`;
  return prefix + describeEvent(entry, countOf).replace(/\r?\n/g, indent);
}

function describeEvent(entry: JournalEntry, countOf: SampleCount): string {
  switch (entry.type) {
    case 'phase':
      return `-- ${entry.phase} --`;
    case 'targets': {
      const found = entry.targets.map(describeTarget).join(', ');
      return `${entry.step}: ${entry.selector} matched ${found || 'no container'}`;
    }
    case 'step-start':
      return `start ${entry.label}`;
    case 'step-end':
      return `${entry.status} ${entry.label} in ${formatDuration(entry.durationMs)}${entry.error ? `: ${entry.error}` : ''}`;
    case 'fault-injected':
      return `injected ${entry.fault} [${entry.faultId}] into ${describeTarget(entry.target)}: ${entry.detail}`;
    case 'fault-reverted': {
      const remedy = entry.remedy ? `; remove it by hand: ${entry.remedy}` : '';
      const held = formatDuration(entry.heldMs);
      return `revert ${entry.fault} [${entry.faultId}] on ${describeTarget(entry.target)}: ${entry.status} after ${held}: ${entry.detail}${remedy}`;
    }
    case 'probe': {
      const { sample } = entry;
      return `probe ${sample.phase}: ${sample.probe}: ${sample.status} (${countOf(sample)}, ${formatDuration(sample.durationMs)}): ${sample.reason}`;
    }
    case 'guard':
      return `GUARD ${entry.errored ? 'COULD NOT BE CHECKED' : 'FAILED'}: ${entry.probe}: ${entry.reason}; ${entry.beforeFaults ? 'nothing injected' : 'reverting everything'}`;
    case 'log':
      return `${entry.level}: ${entry.message}`;
  }
}

function clockTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString().slice(11, 23);
}
