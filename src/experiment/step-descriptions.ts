/**
 * What each step kind does, in one sentence, with an example: shown by editors when a step is
 * completed or hovered (the JSON Schema's `description` and `examples` of each step key). Every kind
 * the registry knows must have one; a unit test checks it.
 */
export interface StepDoc {
  description: string;
  example: unknown;
}

const api = { service: 'api' };

export const STEP_DOCS: Record<string, StepDoc> = {
  kill: {
    description:
      'Send a signal to the main process (default SIGKILL); started again after the fault if it is down',
    example: { target: api, signal: 'SIGKILL' },
  },
  stop: {
    description: 'Stop the container: SIGTERM, then SIGKILL after grace (default 10s); started again after',
    example: { target: api, grace: '5s' },
  },
  pause: {
    description: 'Freeze every process of the container (cgroup freezer); unpaused after',
    example: { target: api, duration: '10s' },
  },
  restart: { description: 'Stop and start the container', example: { target: api } },
  delay: {
    description: 'Add latency (and jitter) to network packets (tc netem)',
    example: { target: api, latency: '200ms', jitter: '50ms', duration: '30s' },
  },
  loss: {
    description: 'Drop a share of network packets (tc netem)',
    example: { target: api, percent: '10%', duration: '30s' },
  },
  duplicate: {
    description: 'Duplicate a share of network packets (tc netem)',
    example: { target: api, percent: '5%' },
  },
  corrupt: {
    description: 'Corrupt a share of network packets (tc netem)',
    example: { target: api, percent: '1%' },
  },
  reorder: {
    description: 'Send a share of packets at once and delay the rest, so they arrive out of order (tc netem)',
    example: { target: api, percent: '25%', latency: '10ms' },
  },
  bandwidth: {
    description: 'Limit the bandwidth of network traffic (tc tbf)',
    example: { target: api, rate: '1mbit', duration: '30s' },
  },
  blackhole: {
    description: 'Drop every packet silently, so connections hang until they time out (iptables)',
    example: { target: api, to: { service: 'db' }, duration: '10s' },
  },
  reset: {
    description: 'Refuse connections at once with a TCP reset (iptables)',
    example: { target: api, ports: 5432 },
  },
  dns: { description: 'Make name lookups from the container fail (iptables)', example: { target: api } },
  partition: {
    description: 'Split containers into groups that cannot reach each other (iptables)',
    example: { groups: [[{ service: 'api' }], [{ service: 'db' }]], duration: '20s' },
  },
  'http-abort': {
    description: 'Answer matching HTTP requests with a status of your choice instead of the upstream (proxy)',
    example: { target: api, port: 8080, status: 503, percent: '50%' },
  },
  'http-delay': {
    description: 'Delay matching HTTP requests (proxy)',
    example: { target: api, port: 8080, latency: '2s', match: { path: '/checkout' } },
  },
  'http-reset': {
    description: 'Reset the connection of matching HTTP requests (proxy)',
    example: { target: api, port: 8080 },
  },
  'http-slow-body': {
    description: 'Pass HTTP response bodies on at a slow rate (proxy)',
    example: { target: api, port: 8080, rate: '10kbit' },
  },
  'tcp-latency': {
    description: 'Delay the data of TCP connections (proxy)',
    example: { target: api, to: { service: 'db' }, ports: 5432, latency: '300ms' },
  },
  'tcp-bandwidth': {
    description: 'Limit the rate of TCP connections (proxy)',
    example: { target: api, port: 8080, rate: '512kbit' },
  },
  'tcp-slow-close': {
    description: 'Delay the closing of TCP connections (proxy)',
    example: { target: api, port: 8080, delay: '5s' },
  },
  'tcp-timeout': {
    description: 'Stop passing data on TCP connections, so they stall (proxy)',
    example: { target: api, to: { service: 'db' }, ports: 5432, after: '10s' },
  },
  'tcp-reset-peer': {
    description: 'Reset TCP connections, at once or some time after they open (proxy)',
    example: { target: api, port: 8080, after: '1s' },
  },
  'tcp-limit-data': {
    description: 'Close TCP connections once a number of bytes has passed (proxy)',
    example: { target: api, port: 8080, bytes: 1024 },
  },
  'tcp-slicer': {
    description: 'Cut TCP data into small pieces, with a pause between them (proxy)',
    example: { target: api, port: 8080, 'average-size': 64, delay: '10ms' },
  },
  'disk-fill': {
    description: 'Fill a filesystem of the container with one file; removed after',
    example: { target: api, path: '/data', percent: 95 },
  },
  'cpu-stress': {
    description: 'Keep CPUs busy inside the container (stress-ng workers in its cgroup)',
    example: { target: api, workers: 2, load: 80, duration: '30s' },
  },
  'memory-stress': {
    description: 'Allocate and touch memory inside the container (stress-ng)',
    example: { target: api, size: '80%', duration: '30s' },
  },
  'io-stress': {
    description: 'Write and read files inside the container (stress-ng)',
    example: { target: api, workers: 2, size: '64MiB', duration: '30s' },
  },
  limit: {
    description: 'Lower the CPU, memory or process limit of the container (docker update); restored after',
    example: { target: api, cpus: 0.5, memory: '256MiB', duration: '30s' },
  },
  signal: {
    description: 'Send a signal to processes inside the container (SIGSTOP is undone with SIGCONT)',
    example: { target: api, signal: 'SIGSTOP', process: 'nginx', duration: '10s' },
  },
  wait: { description: 'Wait this long before the next step', example: '10s' },
  probe: {
    description: 'Check a probe once (same format as the hypothesis); a miss fails the run',
    example: { name: 'orders answer', http: { url: 'http://127.0.0.1:8080/orders' } },
  },
  action: {
    description: 'Run a host command, a command in a container or an HTTP request; a failure errors the run',
    example: { command: ['curl', '-fsS', 'http://127.0.0.1:8080/warm-up'] },
  },
  parallel: {
    description: 'Run the listed steps together; the group ends when all of them have',
    example: [{ pause: { target: api } }, { wait: '5s' }],
  },
};
