import { appendFileSync, statSync, unlinkSync } from 'node:fs';
import { describeEndpoint, resolveEndpoint } from '../docker/endpoint.js';
import { LEASE_WATCH } from './lease-protocol.js';
import { readLedger } from './ledger.js';
import { watch } from './watchdog.js';

/**
 * Entry point of the watchdog process: `node watchdog-main.js LEDGER STATE_DIR LOG`. The lease is its
 * standard input. It may be started before the run has written LEDGER: it waits until the run says
 * `watch` on the lease (the ledger is on disk), then answers "ready" on standard output once it
 * watches. A lease that ends before `watch` means the run needed no watchdog: it leaves, and takes its
 * empty log with it. Only what watching needs is loaded up front; what reverts is loaded when needed.
 */
const [ledgerFile, stateDir, logFile] = process.argv.slice(2) as [string, string, string];
const log = (line: string) => {
  try {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  } catch {
    // Logging must never stop a revert.
  }
};

// The run's Ctrl-C must not stop the watchdog: it has its own session, and ignores these signals.
process.on('SIGINT', () => log('ignoring SIGINT'));
process.on('SIGHUP', () => log('ignoring SIGHUP'));

let said = '';
let started = false;
const hear = (chunk: Buffer) => {
  said += chunk.toString();
  if (!started && said.split('\n').slice(0, -1).includes(LEASE_WATCH)) {
    started = true;
    process.stdin.off('data', hear);
    process.stdin.off('end', standDown);
    start(said.slice(said.indexOf(LEASE_WATCH) + LEASE_WATCH.length));
  }
};
const standDown = () => {
  removeIfEmpty(logFile);
  process.exit(0);
};
process.stdin.on('data', hear);
process.stdin.once('end', standDown);

function start(rest: string): void {
  const state = readLedger(ledgerFile);
  if (!state) {
    log(`failed: no run in ${ledgerFile}`);
    process.exit(1);
  }
  // The Engine the run made its faults on, as its ledger records it (older ledgers: the environment's).
  const endpoint = state.run.endpoint ?? resolveEndpoint({});
  log(`engine ${describeEndpoint(endpoint)}`);
  const docker = async () => (await import('../docker/dockerode-client.js')).createDockerClient(endpoint);
  watch({ ledgerFile, stateDir, docker, lease: process.stdin, said: rest, log }).then(
    (result) => {
      log(`done: ${result}`);
      process.exit(0);
    },
    (error: unknown) => {
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
  const ready = () => {
    log(`watching ${ledgerFile} (pid ${process.pid})`);
    process.stdout.write('ready\n', () => {
      process.stdout.end();
    });
  };
  const hold = testHold(process.env.FAULTLINE_TEST_WATCHDOG_READY);
  if (hold === 'never') {
    log('failed: FAULTLINE_TEST_WATCHDOG_READY=never');
    process.exit(1);
  }
  if (hold > 0) setTimeout(ready, hold);
  else ready();
}

/**
 * A test hook, like the kill points: FAULTLINE_TEST_WATCHDOG_READY=<ms> holds the watchdog's `ready`
 * (it watches meanwhile) for that long; `never` makes it fail at start. Unset, it answers at once.
 */
function testHold(spec: string | undefined): number | 'never' {
  if (spec === 'never') return 'never';
  const ms = Number(spec ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

function removeIfEmpty(file: string): void {
  try {
    if (statSync(file).size === 0) unlinkSync(file);
  } catch {
    // Nothing to tidy.
  }
}
