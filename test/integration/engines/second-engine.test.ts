import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir } from '../../support/cli.js';
import { uniquePrefix, waitFor } from '../../support/containers.js';
import { docker, FIXTURE_IMAGE, inspectState, TEST_LABEL } from '../../support/docker-cli.js';
import { freshStateDir, startFaultline } from '../../support/safety.js';
import { makeCertificates, SecondEngine } from '../../support/second-engine.js';

/**
 * Two real Docker Engines on this machine, each with a container of the same name. Whichever way the
 * user names the second one (a context current in config.json, DOCKER_CONTEXT, --context, --host, a
 * TLS TCP listener from a context or from DOCKER_TLS_VERIFY), the fault must land on the second
 * engine's container, and the first engine's twin must never be touched.
 */

let second: SecondEngine;
let dir: string;
let config: string;
const twin = uniquePrefix('twin');

const PAUSE_MS = 3000;
const experiment = (duration = `${PAUSE_MS}ms`) =>
  [
    'title: pause the twin',
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    '    every: 500ms',
    'method:',
    `  - pause: { target: { name: ${twin} }, duration: ${duration} }`,
    'recovery: 5s',
  ].join('\n');

/** The docker CLI with its own config folder, where the tests create contexts as a user would. */
async function dockerCli(...args: string[]): Promise<string> {
  const result = await execa('docker', args, { env: { DOCKER_CONFIG: config }, reject: false });
  if (result.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function pausedOnSecond(): Promise<boolean> {
  return (await second.docker('inspect', '--format', '{{.State.Paused}}', twin)) === 'true';
}

/**
 * Runs the experiment with `args`/`env` and watches both twins while it runs: the second engine's
 * must be seen paused, the first engine's never.
 */
async function runAndWatch(args: string[], env: Record<string, string>) {
  const file = path.join(dir, 'pause.yaml');
  await writeFile(file, experiment());
  let sawSecondPaused = false;
  let sawFirstPaused = false;
  let done = false;
  const watcher = (async () => {
    while (!done) {
      if (await pausedOnSecond().catch(() => false)) sawSecondPaused = true;
      if ((await inspectState(twin)).paused) sawFirstPaused = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const result = await faultline(['run', file, ...args], {
    env: { DOCKER_CONFIG: config, FAULTLINE_STATE_DIR: await freshStateDir(), ...env },
  });
  done = true;
  await watcher;
  if (result.exitCode !== 0) console.log(String(result.all));
  return {
    result,
    output: String(result.all),
    sawSecondPaused,
    sawFirstPaused,
    secondPausedAfter: await pausedOnSecond(),
  };
}

beforeAll(async () => {
  second = await SecondEngine.start();
  dir = await tempDir();
  config = path.join(dir, 'docker-config');
  await mkdir(config);
  await second.run(twin);
  await docker(
    'run',
    '-d',
    '--name',
    twin,
    '--label',
    `${TEST_LABEL}=${twin}`,
    '--network',
    'none',
    FIXTURE_IMAGE,
    '/app/backend.mjs',
  );
  await dockerCli('context', 'create', 'second', '--docker', `host=${second.unixHost}`);
  await dockerCli(
    'context',
    'create',
    'second-tls',
    '--docker',
    `host=${second.tcpHost},ca=${second.certs.ca},cert=${second.certs.cert},key=${second.certs.key}`,
  );
}, 180_000);

afterAll(async () => {
  await docker('rm', '-f', twin).catch(() => undefined);
  await second?.stop();
}, 60_000);

describe('the Engine the user means', () => {
  it('a context made current with `docker context use` is the one faulted', async () => {
    await dockerCli('context', 'use', 'second');
    try {
      const run = await runAndWatch([], {});
      expect(run.output).toContain(
        `engine ${second.unixHost} (context second, current in ${config}/config.json)`,
      );
      expect(run.result.exitCode).toBe(0);
      expect(run.sawSecondPaused).toBe(true);
      expect(run.sawFirstPaused).toBe(false);
      expect(run.secondPausedAfter).toBe(false);
    } finally {
      await dockerCli('context', 'use', 'default');
    }
  });

  it('DOCKER_CONTEXT names it', async () => {
    const run = await runAndWatch([], { DOCKER_CONTEXT: 'second' });
    expect(run.output).toContain(`engine ${second.unixHost} (context second from DOCKER_CONTEXT)`);
    expect(run.result.exitCode).toBe(0);
    expect([run.sawSecondPaused, run.sawFirstPaused, run.secondPausedAfter]).toEqual([true, false, false]);
  });

  it('--context names it, even with DOCKER_HOST set to the first engine', async () => {
    const run = await runAndWatch(['--context', 'second'], { DOCKER_HOST: 'unix:///var/run/docker.sock' });
    expect(run.output).toContain(`engine ${second.unixHost} (context second from --context)`);
    expect(run.result.exitCode).toBe(0);
    expect([run.sawSecondPaused, run.sawFirstPaused, run.secondPausedAfter]).toEqual([true, false, false]);
  });

  it('--host names it', async () => {
    const run = await runAndWatch(['--host', second.unixHost], {});
    expect(run.output).toContain(`engine ${second.unixHost} (from --host)`);
    expect(run.result.exitCode).toBe(0);
    expect([run.sawSecondPaused, run.sawFirstPaused, run.secondPausedAfter]).toEqual([true, false, false]);
  });

  it('a context whose endpoint is a TLS TCP listener, with its certificates in the contexts store', async () => {
    const run = await runAndWatch(['--context', 'second-tls'], {});
    expect(run.output).toContain(`engine ${second.tcpHost} (context second-tls from --context, TLS)`);
    expect(run.result.exitCode).toBe(0);
    expect([run.sawSecondPaused, run.sawFirstPaused, run.secondPausedAfter]).toEqual([true, false, false]);
  });

  it('DOCKER_HOST=tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const run = await runAndWatch([], {
      DOCKER_HOST: second.tcpHost,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: second.certs.dir,
    });
    expect(run.output).toContain(`engine ${second.tcpHost} (from DOCKER_HOST, TLS)`);
    expect(run.result.exitCode).toBe(0);
    expect([run.sawSecondPaused, run.sawFirstPaused, run.secondPausedAfter]).toEqual([true, false, false]);
  });

  it('a TLS listener whose certificate the client does not trust: exit 3 before anything is injected', async () => {
    const other = await makeCertificates(path.join(dir, 'other-ca'), 'another CA');
    const run = await runAndWatch([], {
      DOCKER_HOST: second.tcpHost,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: other.dir,
    });
    expect(run.result.exitCode).toBe(3);
    expect(run.output).toMatch(
      new RegExp(
        `cannot reach the Docker Engine at ${second.tcpHost} \\(from DOCKER_HOST, TLS\\): .*certificate`,
      ),
    );
    expect([run.sawSecondPaused, run.sawFirstPaused]).toEqual([false, false]);
  });

  it('a context that does not exist is an error, never the default socket', async () => {
    const run = await runAndWatch([], { DOCKER_CONTEXT: 'no-such-context' });
    expect(run.result.exitCode).toBe(3);
    expect(run.output).toContain('Docker context "no-such-context" (from DOCKER_CONTEXT) does not exist');
    expect([run.sawSecondPaused, run.sawFirstPaused]).toEqual([false, false]);
  });

  it('plan and doctor say which engine and why', async () => {
    const file = path.join(dir, 'plan.yaml');
    await writeFile(file, experiment());
    const plan = await faultline(['plan', file, '--context', 'second'], { env: { DOCKER_CONFIG: config } });
    expect(plan.exitCode).toBe(0);
    expect(plan.all).toContain(`engine   ${second.unixHost} (context second from --context)`);
    const doctor = await faultline(['doctor'], {
      env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'second-tls' },
    });
    expect(doctor.all).toMatch(
      new RegExp(
        `ok +Docker Engine .* at ${second.tcpHost} \\(context second-tls from DOCKER_CONTEXT, TLS\\)`,
      ),
    );
  });
});

describe('reverts reach the Engine the faults were made on', () => {
  it('a run killed mid-fault: its watchdog unpauses the twin on the second engine', async () => {
    const stateDir = await freshStateDir();
    const file = path.join(dir, 'long.yaml');
    await writeFile(file, experiment('60s'));
    const run = startFaultline(['run', file, '--context', 'second'], stateDir, { DOCKER_CONFIG: config });
    await waitFor('the twin paused on the second engine', pausedOnSecond, 30_000);
    run.kill('SIGKILL');
    await waitFor('the watchdog to unpause the twin', async () => !(await pausedOnSecond()), 30_000);
    expect((await inspectState(twin)).paused).toBe(false);
  });

  it('`faultline recover` with no engine named reverts a dead run on the engine its ledger records', async () => {
    const stateDir = await freshStateDir();
    const file = path.join(dir, 'long.yaml');
    await writeFile(file, experiment('60s'));
    // No watchdog to race with: it is stopped the moment the run is, as if the machine had crashed.
    const run = startFaultline(['run', file, '--context', 'second'], stateDir, { DOCKER_CONFIG: config });
    await waitFor('the twin paused on the second engine', pausedOnSecond, 30_000);
    const watchdog = await watchdogOf(stateDir);
    process.kill(watchdog, 'SIGKILL');
    run.kill('SIGKILL');
    expect(await pausedOnSecond()).toBe(true);

    const recovered = await faultline(['recover'], {
      env: { FAULTLINE_STATE_DIR: stateDir, DOCKER_CONFIG: config },
    });
    expect(recovered.all).toMatch(new RegExp(`reverted +pause on ${twin}`));
    expect(await pausedOnSecond()).toBe(false);
    expect((await inspectState(twin)).paused).toBe(false);
  });
});

/** The pid of the watchdog whose command line names a ledger in `stateDir`. */
async function watchdogOf(stateDir: string): Promise<number> {
  let pid: number | undefined;
  await waitFor('the watchdog', async () => {
    const found = await execa('pgrep', ['-f', `watchdog-main.js ${stateDir}`], { reject: false });
    pid = Number(found.stdout.split('\n')[0]);
    return found.exitCode === 0 && pid > 0;
  });
  return pid!;
}

describe('the second engine leaves the first alone', () => {
  it("the first engine's default bridge still exists (an engine without a bridge deletes docker0 where it runs)", async () => {
    const link = await execa('ip', ['-br', 'link', 'show', 'docker0'], { reject: false });
    expect(link.exitCode).toBe(0);
    expect(link.stdout).toMatch(/^docker0 /);
  });
});
