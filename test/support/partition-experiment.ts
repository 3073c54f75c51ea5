/** A command, run in a container, that exits 0 when TCP port 8080 of `host` accepts within 500ms. */
export const connect = (host: string) => [
  'node',
  '-e',
  "const s = require('net').connect(8080, process.argv[1]); s.setTimeout(500, () => process.exit(1)); s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));",
  host,
];

/**
 * An experiment whose hypothesis is that service b reaches service a at `aIp`, and whose method
 * partitions a from b for `duration`: a run deviates exactly when the partition really lands.
 */
export function partitionExperiment(title: string, project: string, aIp: string, duration: string): string {
  return [
    `title: ${title}`,
    `scope: { compose: ${project} }`,
    'hypothesis:',
    '  - name: b reaches a',
    `    exec: { target: { service: b }, command: ${JSON.stringify(connect(aIp))} }`,
    '    every: 500ms',
    'method:',
    `  - partition: { groups: [[{ service: a }], [{ service: b }]], duration: ${duration} }`,
    'recovery: 10s',
  ].join('\n');
}

/**
 * An experiment that partitions a from b with no duration, so the partition holds until the method
 * ends, and probes under it that a can no longer reach b at `bIp`; a reaches b before and after.
 */
export function partitionUnderProbeExperiment(title: string, project: string, bIp: string): string {
  const command = JSON.stringify(connect(bIp));
  return [
    `title: ${title}`,
    `scope: { compose: ${project} }`,
    'hypothesis:',
    '  - name: a reaches b',
    `    exec: { target: { service: a }, command: ${command} }`,
    '    when: [before, after]',
    'method:',
    '  - partition: { groups: [[{ service: a }], [{ service: b }]] }',
    '  - probe:',
    '      name: a cannot reach b',
    `      exec: { target: { service: a }, command: ${command} }`,
    '      expect: { exit: 1 }',
    'recovery: 10s',
  ].join('\n');
}
