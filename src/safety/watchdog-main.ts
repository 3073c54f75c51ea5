import { appendFileSync } from 'node:fs';
import { createDockerClient } from '../docker/dockerode-client.js';
import { describeEndpoint, resolveEndpoint } from '../docker/endpoint.js';
import { readLedger } from './ledger.js';
import { watch } from './watchdog.js';

/**
 * Entry point of the watchdog process: `node watchdog-main.js LEDGER STATE_DIR LOG`. The lease is its
 * standard input; it answers "ready" on standard output once it watches.
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

// The Engine the run made its faults on, as its ledger records it (older ledgers: the environment's).
const endpoint = readLedger(ledgerFile)?.run.endpoint ?? resolveEndpoint({});
log(`engine ${describeEndpoint(endpoint)}`);
const docker = createDockerClient(endpoint);

process.stdout.write('ready\n', () => {
  process.stdout.end();
});
log(`watching ${ledgerFile} (pid ${process.pid})`);
watch({ ledgerFile, stateDir, docker, lease: process.stdin, log }).then(
  (result) => {
    log(`done: ${result}`);
    process.exit(0);
  },
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
