import type { JournalEntry } from '../model/journal.js';
import { describeTarget } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';

/** The journal as plain timestamped lines: the JUnit suite's system-out and the HTML page's journal. */
export function journalText(journal: JournalEntry[]): string {
  return journal.map(journalLine).join('\n');
}

export function journalLine(entry: JournalEntry): string {
  const prefix = `${clockTime(entry.at)} +${(Math.max(0, entry.t) / 1000).toFixed(3)}s `;
  const indent = `\n${' '.repeat(prefix.length)}`;
  return prefix + describeEvent(entry).replace(/\r?\n/g, indent);
}

function describeEvent(entry: JournalEntry): string {
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
      const attempts = sample.attempts === 1 ? '1 attempt' : `${sample.attempts} attempts`;
      return `probe ${sample.phase}: ${sample.probe}: ${sample.status} (${attempts}, ${formatDuration(sample.durationMs)}): ${sample.reason}`;
    }
    case 'guard':
      return `GUARD ${entry.errored ? 'COULD NOT BE CHECKED' : 'FAILED'}: ${entry.probe}: ${entry.reason}; reverting everything`;
    case 'log':
      return `${entry.level}: ${entry.message}`;
  }
}

function clockTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString().slice(11, 23);
}
