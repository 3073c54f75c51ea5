import { type Document, isMap, isScalar, isSeq, type Node, visit } from 'yaml';

/** Where in the source text a value of the parsed YAML document starts, for line:column in messages. */

/** Finds the source offset of the node at `segments`, falling back to the nearest existing parent. */
export function offsetOf(root: Node | null, segments: readonly PropertyKey[], atKey: boolean): number {
  let node: unknown = root;
  let best = rangeStart(root) ?? 0;
  for (const [index, segment] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      best = rangeStart(pair.key as Node) ?? best;
      if (atKey && index === segments.length - 1) break;
      node = pair.value;
      if (node === null) break;
      best = rangeStart(node as Node) ?? best;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) break;
      best = rangeStart(node as Node) ?? best;
    } else {
      break;
    }
  }
  return best;
}

function rangeStart(node: Node | null | undefined): number | undefined {
  return node && 'range' in node && node.range ? node.range[0] : undefined;
}

export function firstAliasOffset(document: Document): number {
  let offset = 0;
  visit(document, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
