import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import {
  freshStateDir,
  ledgerOf,
  openFaults,
  recoverWith,
  SafetyLab,
  startFaultline,
  statusOf,
} from '../support/safety.js';
import {
  namespaceOf,
  refuseBatchLines,
  refuseFlags,
  refuseWhen,
  wrapTools,
} from '../support/tool-wrappers.js';

/**
 * A revert that fails (here: `tc qdisc del` and iptables deletes, single or in a restore batch, refused in the target's namespace,
 * by wrappers placed first on faultline's PATH) ends the run with exit 4 and prints, for each fault
 * left, the command that removes it. Running those commands by hand must put the namespace back as
 * it was; so must `faultline recover`.
 */
const lab = new SafetyLab(uniquePrefix('safety-undo'));

beforeAll(async () => {
  await lab.start([
    { name: 'x', service: 'x' },
    { name: 'peer', service: 'peer' },
  ]);
});

afterAll(async () => {
  await lab.remove();
});

/** Wrappers that refuse deletes, only inside the network namespace named by BLOCK_NS. */
function refusingTools(): Promise<string> {
  return wrapTools({
    tc: refuseWhen('[ "$1 $2" = "qdisc del" ]'),
    'iptables-nft': refuseFlags('-D', '-F', '-X'),
    // A revert batch comes on stdin: refused when any of its lines deletes, flushes or removes a chain.
    'iptables-nft-restore': refuseBatchLines('-D ', '-F ', '-X '),
  });
}

describe('a revert that fails', () => {
  it('exits 4 and prints an undo command that really removes each fault left', async () => {
    const stateDir = await freshStateDir();
    const before = await lab.snapshot();
    const pid = await docker('inspect', '--format', '{{.State.Pid}}', lab.name('x'));
    const namespace = await namespaceOf(pid);
    const file = await lab.experiment(
      [
        'hypothesis:',
        '  - name: always',
        '    command: ["true"]',
        'method:',
        '  - parallel:',
        '      - bandwidth: { target: { service: x }, rate: 1mbit, direction: both, duration: 1s }',
        '      - partition: { groups: [[{ service: x }], [{ service: peer }]], direction: one-way, duration: 1s }',
      ].join('\n'),
    );
    const run = startFaultline(['run', file], stateDir, {
      PATH: `${await refusingTools()}:${process.env.PATH}`,
      BLOCK_NS: namespace,
    });
    const runId = await run.runId();
    const finished = await run.finished;
    expect(run.text).toMatch(/REVERT FAILED could not revert 2 fault\(s\)/);
    expect(finished.exitCode).toBe(4);

    const remedies = run.lines
      .map((line) => /REVERT FAILED {3}\S+: .* \(undo by hand: (.*)\)$/.exec(line.text)?.[1])
      .filter((remedy): remedy is string => remedy !== undefined);
    expect(remedies).toHaveLength(2);
    for (const remedy of remedies) {
      const result = await execa('sh', ['-c', remedy], { reject: false });
      expect(result.exitCode, `${remedy}\n${result.stderr}`).toBe(0);
    }
    // Soft, so that `recover` below still cleans up when the printed commands fall short.
    expect.soft(await lab.snapshot(), 'after the printed undo commands').toEqual(before);

    expect(await statusOf(stateDir)).toMatch(new RegExp(`run ${runId} ended \\(revert-failed\\) but left 2`));
    const recovered = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(recovered.exitCode, recovered.output).toBe(recovered.foreignFailures.length > 0 ? 4 : 0);
    expect(recovered.ours.filter((line) => line.startsWith('FAILED'))).toEqual([]);
    expect(await lab.snapshot()).toEqual(before);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');
  });
});
