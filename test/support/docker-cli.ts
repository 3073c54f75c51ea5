import { execa } from 'execa';

/** Runs the docker CLI with an argument list; throws with stderr when it fails. */
export async function docker(...args: string[]): Promise<string> {
  const result = await execa('docker', args, { reject: false });
  if (result.exitCode !== 0)
    throw new Error(`docker ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

/** Label carried by every container the test suite creates. */
export const TEST_LABEL = 'org.faultline.test';
export const FIXTURE_IMAGE = 'faultline-fixture-node:latest';

export interface ContainerState {
  name: string;
  status: string;
  paused: boolean;
  running: boolean;
  restartCount: number;
  startedAt: string;
}

export async function inspectState(name: string): Promise<ContainerState> {
  const out = await docker(
    'inspect',
    '--format',
    '{{.Name}}|{{.State.Status}}|{{.State.Paused}}|{{.State.Running}}|{{.RestartCount}}|{{.State.StartedAt}}',
    name,
  );
  const [rawName, status, paused, running, restarts, startedAt] = out.split('|');
  return {
    name: rawName!.replace(/^\//, ''),
    status: status!,
    paused: paused === 'true',
    running: running === 'true',
    restartCount: Number(restarts),
    startedAt: startedAt!,
  };
}

/** Every container's name and status, sorted: compare before and after to prove nothing changed. */
export async function dockerSnapshot(): Promise<string[]> {
  const out = await docker('ps', '-a', '--format', '{{.Names}} {{.State}}');
  return out.split('\n').filter(Boolean).sort();
}
