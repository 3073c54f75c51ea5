import { OUTCOME_WORDS } from '../../model/outcomes.js';
import type { Cell, Comparison, Trend } from '../../report/compare.js';
import { inline, table } from '../markdown-text.js';

/** Several runs side by side in Markdown: a change for the worse is bold and marked ▲. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const { columns } = comparison;
  const heads = columns.map((_, i) => `#${i + 1}`);
  const parts = [
    `# faultline: ${columns.length} reports compared`,
    table(
      ['', 'Report', 'Started', 'faultline'],
      ['---', '---', '---', '---'],
      columns.map((column, i) => [heads[i]!, column.file, column.startedAt, column.faultlineVersion]),
    ),
    regressions(comparison.regressions),
  ];
  for (const experiment of comparison.experiments) {
    const verdicts = experiment.outcomes.map((outcome, i) =>
      outcome === null ? 'not run' : mark(OUTCOME_WORDS[outcome].toUpperCase(), experiment.verdictTrend[i]!),
    );
    const rows = experiment.rows.map((row) => [inline(row.label), ...row.cells.map(cellText)]);
    parts.push(
      `## ${inline(experiment.title)}\n\n` +
        table(
          ['', ...heads],
          ['---', ...heads.map(() => '---:')],
          [['Verdict', ...verdicts], ...rows],
          new Set(heads.map((_, i) => i + 1).concat(0)),
        ),
    );
  }
  parts.push(
    'Each column is compared with the first (#1). ▲ marks a change for the worse: a verdict from passed to ' +
      'deviated, a p95 up by more than 20ms and a fifth, an error rate up by a point or more, a recovery ' +
      'slower by more than 250ms and a half, or no recovery. ▼ marks the same change for the better.',
  );
  return `${parts.join('\n\n')}\n`;
}

function regressions(list: readonly string[]): string {
  if (list.length === 0) return '**No change for the worse** against the first report.';
  const shown = list.slice(0, 20).map((line) => `- ${inline(line)}`);
  if (list.length > shown.length) shown.push(`- and ${list.length - shown.length} more`);
  return `**${list.length === 1 ? '1 change' : `${list.length} changes`} for the worse** against the first report:\n\n${shown.join('\n')}`;
}

function cellText(cell: Cell | null): string {
  if (!cell) return 'not run';
  const text = inline(cell.text) + (cell.delta ? ` (${inline(cell.delta)})` : '');
  return mark(text, cell.trend);
}

function mark(text: string, trend: Trend): string {
  if (trend === 'worse') return `**${text}** ▲`;
  if (trend === 'better') return `${text} ▼`;
  return text;
}
