import { formatDuration } from '../../util/duration.js';
import { html, type Markup } from './markup.js';
import type { Rows } from './timeline.js';
import type { TimelineData } from './timeline-data.js';
import { CHAR_PX, num, offset, TIMELINE } from './timeline-scale.js';

/**
 * A line where each detection check first saw the fault, labelled with its time to detect, each
 * label in a row of its own above the faults.
 */
export function detectionLines(data: TimelineData, x: (ms: number) => number, rows: Rows): Markup[] {
  return data.detections.map(({ detection, atMs }, i) => {
    const dx = x(atMs);
    const top = rows.detectTop + i * TIMELINE.guardRow;
    const took = formatDuration(detection.detectedAfterMs ?? 0);
    const label = `detected: ${detection.probe} (${took})`;
    const anchor = dx + label.length * CHAR_PX + 4 > TIMELINE.width ? 'end' : 'start';
    return html`<g class="detect-mark" data-detect="${detection.probe}">
<line x1="${num(dx)}" x2="${num(dx)}" y1="${top}" y2="${num(rows.plotBottom)}"/>
<text x="${num(anchor === 'start' ? dx + 4 : dx - 4)}" y="${top + 12}" text-anchor="${anchor}">${label}</text>
<title>${offset(atMs)}: “${detection.probe}” noticed the fault ${took} after it started (within ${formatDuration(detection.withinMs)}): ${detection.reason}</title>
</g>`;
  });
}
