import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EndpointError } from '../../../src/docker/endpoint.js';
import { DockerTlsError, DockerUnavailableError } from '../../../src/docker/engine-errors.js';
import { SshEndpointError } from '../../../src/docker/ssh-command.js';
import { SshConnectionError } from '../../../src/docker/ssh-socket.js';
import { ActionError, InjectionError } from '../../../src/engine/method.js';
import { PlanError } from '../../../src/engine/plan.js';
import { HoldLimitError } from '../../../src/engine/run-experiment.js';
import { EnvironmentError, type FaultlineError, InvalidInputError } from '../../../src/errors.js';
import { ExperimentInvalidError } from '../../../src/experiment/load.js';
import { ThresholdError } from '../../../src/load/thresholds.js';
import { ERROR_CODES } from '../../../src/model/error-codes.js';
import { MissingCapabilityError } from '../../../src/network/capabilities.js';
import { NetnsUnavailableError } from '../../../src/network/netns-runner.js';
import {
  HelperImageBuildError,
  HelperToolsMissingError,
} from '../../../src/platform/docker/helper-image/index.js';
import { ReportPathError } from '../../../src/reporters/report-path.js';
import { WatchdogError } from '../../../src/safety/lease.js';
import { LedgerUnwritableError } from '../../../src/safety/ledger.js';
import { ContainerBusyError, LockStuckError } from '../../../src/safety/locks.js';
import { NoTargetError, TargetHeldError, TargetsSpanProjectsError } from '../../../src/targets/resolve.js';

const codes = ERROR_CODES.map((entry) => entry.code);
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const SRC = path.resolve(import.meta.dirname, '../../../src');

describe('the error-code catalogue', () => {
  it('lists every code once', () => {
    const repeated = codes.filter((code, index) => codes.indexOf(code) !== index);
    expect(repeated).toEqual([]);
  });

  it('spells codes in UPPER_SNAKE, except threshold-invalid, kept as it always was', () => {
    expect(codes.filter((code) => !UPPER_SNAKE.test(code))).toEqual(['threshold-invalid']);
  });

  it('gives each code a one-line meaning', () => {
    for (const { code, meaning } of ERROR_CODES) {
      expect(meaning.trim(), code).not.toBe('');
      expect(meaning, code).not.toMatch(/\n/);
    }
  });

  it('lists no code that faultline never uses', () => {
    const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== path.join('model', 'error-codes.ts'))
      .map((file) => readFileSync(path.join(SRC, file), 'utf8'))
      .join('\n');
    expect(codes.filter((code) => !sources.includes(`'${code}'`))).toEqual([]);
  });
});

const endpoint = { host: 'tcp://127.0.0.1:2376', source: '--host' } as const;
const ssh = { command: 'ssh', destination: { user: 'deploy', host: 'build', port: '2222', shown: 'build' } };

/** One instance of every error class faultline throws, and the code users see from it. */
const ERRORS: [FaultlineError, string][] = [
  [new InvalidInputError('BAD_OPTION', 'bad'), 'BAD_OPTION'],
  [new EnvironmentError('DOCKER_UNAVAILABLE', 'down'), 'DOCKER_UNAVAILABLE'],
  [new ThresholdError('p95 <', 'missing a value'), 'threshold-invalid'],
  [new ExperimentInvalidError('a.yaml', []), 'EXPERIMENT_INVALID'],
  [new ReportPathError('r.json', 'it is a folder'), 'REPORT_PATH'],
  [new HoldLimitError(['too long']), 'HOLD_LIMIT'],
  [new InjectionError('failed'), 'INJECTION_FAILED'],
  [new ActionError('failed'), 'ACTION_FAILED'],
  [new PlanError(['refused']), 'PLAN_REFUSED'],
  [new NoTargetError('none', 'start it'), 'NO_TARGET'],
  [new TargetsSpanProjectsError('two projects'), 'TARGETS_SPAN_PROJECTS'],
  [new TargetHeldError('held'), 'TARGET_HELD'],
  [
    new MissingCapabilityError([{ feature: 'netem', ok: false, detail: 'no netem' }], 'nsenter'),
    'CAPABILITY_MISSING',
  ],
  [new HelperToolsMissingError(['tc'], ['/usr/sbin']), 'HELPER_TOOLS_MISSING'],
  [new HelperImageBuildError('HELPER_IMAGE_NO_LDD', 'no ldd'), 'HELPER_IMAGE_NO_LDD'],
  [new NetnsUnavailableError('no way in', 'use --via helper'), 'NETNS_UNAVAILABLE'],
  [new SshConnectionError(ssh as never, 'refused'), 'DOCKER_SSH_FAILED'],
  [new SshEndpointError('ssh://', 'no host'), 'DOCKER_SSH_URL_INVALID'],
  [new DockerUnavailableError(new Error('ECONNREFUSED')), 'DOCKER_UNAVAILABLE'],
  [new DockerTlsError(new Error('bad certificate'), endpoint), 'DOCKER_TLS_FAILED'],
  [new EndpointError('no such context', 'docker context ls'), 'DOCKER_ENDPOINT_INVALID'],
  [new EndpointError('not a URL', 'use tcp://', 'DOCKER_HOST_INVALID'), 'DOCKER_HOST_INVALID'],
  [new ContainerBusyError(['run r1 (pid 7)']), 'CONTAINER_BUSY'],
  [new LockStuckError('/tmp/lock'), 'LOCK_STUCK'],
  [new LedgerUnwritableError('/var/lib/faultline/r1.json', new Error('EACCES')), 'LEDGER_UNWRITABLE'],
  [new WatchdogError('the watchdog exited'), 'WATCHDOG_FAILED'],
];

describe('error classes', () => {
  it.each(ERRORS.map(([error, code]) => [error.name, error, code] as const))(
    '%s carries its code, from the catalogue',
    (_name, error, code) => {
      expect(error.code).toBe(code);
      expect(codes).toContain(error.code);
    },
  );
});
