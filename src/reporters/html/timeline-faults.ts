import { describeTarget } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { html, type Markup } from './markup.js';
import type { FaultSpan } from './timeline-data.js';
import { CHAR_PX, num, offset, TIMELINE } from './timeline-scale.js';

/** Lane of each fault: the first one whose previous band (and label) ends before this one starts. */
export function assignLanes(faults: readonly FaultSpan[], x: (ms: number) => number): number[] {
  const laneEnds: number[] = [];
  const lanes = new Array<number>(faults.length).fill(0);
  const order = faults.map((_, i) => i).sort((a, b) => faults[a]!.startMs - faults[b]!.startMs);
  for (const i of order) {
    const fault = faults[i]!;
    const start = x(fault.startMs);
    const end = bandLabel(fault, x).end;
    let lane = laneEnds.findIndex((laneEnd) => laneEnd + 2 <= start);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = end;
    lanes[i] = lane;
  }
  return lanes;
}

/** Where a fault's label goes: inside its band when it fits, else after it, else before it. */
function bandLabel(
  fault: FaultSpan,
  x: (ms: number) => number,
): { x: number; anchor: string; end: number; inside: boolean } {
  const x1 = x(fault.startMs);
  const x2 = x(fault.endMs);
  const text = fault.left ? `${fault.label} (still in place)` : fault.label;
  const width = text.length * CHAR_PX;
  if (width + 8 <= x2 - x1) return { x: x1 + 4, anchor: 'start', end: x2, inside: true };
  if (x2 + 4 + width <= TIMELINE.width)
    return { x: x2 + 4, anchor: 'start', end: x2 + 4 + width, inside: false };
  return { x: x1 - 4, anchor: 'end', end: x2, inside: false };
}

/** One fault's active interval as a band in its lane, labelled, with the details on hover. */
export function faultBand(fault: FaultSpan, y: number, x: (ms: number) => number, id: string): Markup {
  const x1 = x(fault.startMs);
  const width = Math.max(2, x(fault.endMs) - x1);
  const label = bandLabel(fault, x);
  const text = fault.left ? `${fault.label} (still in place)` : fault.label;
  const held = fault.left
    ? `from ${offset(fault.startMs)}, never confirmed reverted (${fault.status === 'failed' ? 'the revert failed' : 'no revert recorded'})`
    : `from ${offset(fault.startMs)} to ${offset(fault.endMs)} (${formatDuration(fault.endMs - fault.startMs)})`;
  return html`<g class="fault${fault.left ? ' fault-left' : ''}" data-fault="${fault.faultId}">
<rect class="fault-band" x="${num(x1)}" y="${y}" width="${num(width)}" height="${TIMELINE.laneHeight}"${fault.left ? html` style="fill: url(#${id}-left)"` : ''}/>
<text class="fault-label${label.inside ? ' inside' : ''}" x="${num(label.x)}" y="${y + 15}" text-anchor="${label.anchor}">${text}</text>
<title>${fault.fault} on ${describeTarget(fault.target)} ${held}</title>
</g>`;
}
