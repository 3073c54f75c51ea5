import type { ChalkInstance } from 'chalk';
import type { ProbeSummary, RunResult } from '../model/journal.js';
import { visibleLine } from '../util/control-chars.js';
import {
  availabilityInWords,
  detectionInWords,
  detectionState,
  noReportReason,
  writesInWords,
} from './data-text.js';

/** The words that start a line (after its two-space indent), as wide as the console's other labels. */
const LABEL_WIDTH = 9;

/** How a line says its result without colour: the console's four-character marks. */
const MARKS = {
  ok: ['green', 'ok  '],
  miss: ['red', 'MISS'],
  error: ['magenta', 'ERR '],
  none: ['dim', '--  '],
} as const;
type MarkName = keyof typeof MARKS;

/**
 * The end of a run, per workload probe and per detection check: one line each saying what became of
 * the writes and whether the fault was noticed. Words and marks carry the result, so a log without
 * colour reads the same; on a terminal narrower than a line, the line wraps at its commas, indented.
 */
export function dataLines(result: RunResult, c: ChalkInstance, columns?: number): string[] {
  const lines: string[] = [];
  for (const series of result.workload ?? []) {
    const summary = result.probes.find((probe) => probe.probe === series.probe && probe.phase === 'after');
    const mark = markOf(summary);
    const name = visibleLine(series.probe);
    const detail = series.report
      ? [`${writesInWords(series.report)};`, availabilityInWords(series.report)]
      : [visibleLine(noReportReason(result, series))];
    lines.push(...layout(c, 'data', mark, name, detail, columns));
  }
  for (const detection of result.detect ?? []) {
    const state = detectionState(detection);
    const mark: MarkName = state === 'detected' ? 'ok' : state === 'not-checked' ? 'none' : 'miss';
    const name = visibleLine(detection.probe);
    lines.push(...layout(c, 'detect', mark, name, [visibleLine(detectionInWords(detection))], columns));
  }
  return lines;
}

function markOf(summary: ProbeSummary | undefined): MarkName {
  switch (summary?.status) {
    case 'pass':
      return 'ok';
    case 'fail':
      return 'miss';
    case 'error':
      return 'error';
    default:
      return 'none';
  }
}

/**
 * "  data     MISS name  1,204 writes, …; available before 100% …". When `columns` is given and the
 * line is wider, the details go on lines of their own under the name, broken after ", " and "; "
 * (and at spaces, in a part longer than a line).
 */
function layout(
  c: ChalkInstance,
  label: string,
  mark: MarkName,
  name: string,
  detail: readonly string[],
  columns: number | undefined,
): string[] {
  const [colour, text] = MARKS[mark];
  const padded = label.padEnd(LABEL_WIDTH - 2);
  const head = `  ${c.dim(padded)}  ${c[colour](text)} ${name}`;
  const full = detail.join(' ');
  const width = `  ${padded}  ${text} ${name}  ${full}`.length;
  if (columns === undefined || columns <= 0 || width <= columns) return [`${head}  ${c.dim(full)}`];
  const indent = ' '.repeat(LABEL_WIDTH + 2 + text.length + 1);
  const lines = [head];
  let current = '';
  // A part too long for a line of its own is broken at its spaces.
  const pieces = full
    .split(/(?<=[,;] )/)
    .flatMap((part) => (indent.length + part.trimEnd().length > columns ? part.split(/(?<= )/) : [part]));
  for (const piece of pieces) {
    if (current !== '' && indent.length + (current + piece).trimEnd().length > columns) {
      lines.push(indent + c.dim(current.trimEnd()));
      current = piece;
    } else current += piece;
  }
  if (current !== '') lines.push(indent + c.dim(current.trimEnd()));
  return lines;
}
