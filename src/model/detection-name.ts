/** The name a detection check's samples and summary carry, beside the hypothesis probes'. */
export function detectName(spec: { name: string }): string {
  return `detect: ${spec.name}`;
}
