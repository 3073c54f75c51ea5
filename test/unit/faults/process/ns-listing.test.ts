import { describe, expect, it } from 'vitest';
import { initTakes, parseListing, statFields } from '../../../../src/faults/process/ns-listing.js';
import { parseSignalled, signalArgs } from '../../../../src/faults/process/signal-script.js';

/** What the helper prints (LIST_SCRIPT), and how the helper way reads it. */
const TARGET = 'a'.repeat(64);
const HELPER = 'b'.repeat(64);
const M = 'faultline-0123456789abcdef';

/** A /proc/<pid>/stat line: name, state, and the start time as field 22. */
const stat = (pid: number, comm: string, state: string, start: number) =>
  `${pid} (${comm}) ${state} ${Array.from({ length: 18 }, (_, index) => index + 1).join(' ')} ${start} 0 0\n`;

function block(pid: number, files: { stat?: string; cgroup?: string; cmdline?: string; status?: string }) {
  return Object.entries(files)
    .map(([file, text]) => `\n${M} ${file} ${pid}\n${text}`)
    .join('');
}

const cgroupOf = (id: string) => `0::/system.slice/docker-${id}.scope\n`;

describe('the helper way reads the processes of a PID namespace', () => {
  it("tells the target's processes from the helper's own, with PIDs in the namespace and start times", () => {
    const output = [
      block(1, {
        stat: stat(1, 'sh', 'S', 500),
        cgroup: cgroupOf(TARGET),
        cmdline: 'sh\0-c\0sleep 1000 & wait\0',
      }),
      block(7, { stat: stat(7, 'sleep', 'T', 510), cgroup: cgroupOf(TARGET), cmdline: 'sleep\x001000\0' }),
      block(9, { stat: stat(9, 'sleep', 'S', 900), cgroup: cgroupOf(HELPER), cmdline: 'sleep\x00300\0' }),
      block(1, { status: 'Name:\tsh\nSigCgt:\t0000000000010002\n' }),
    ].join('');
    const listed = parseListing(output, M, TARGET);
    expect(listed.map(({ caught: _caught, ...rest }) => rest)).toEqual([
      { pid: 1, comm: 'sh', args: 'sh -c sleep 1000 & wait', state: 'S', startTicks: 500, inTarget: true },
      { pid: 7, comm: 'sleep', args: 'sleep 1000', state: 'T', startTicks: 510, inTarget: true },
      { pid: 9, comm: 'sleep', args: 'sleep 300', state: 'S', startTicks: 900, inTarget: false },
    ]);
    expect(listed[0]!.caught).toBe(0x10002n);
  });

  it('a name with spaces and parentheses is read whole; a process that exited meanwhile is left out', () => {
    const output = [
      block(3, { stat: stat(3, 'my (odd) name', 'R', 42), cgroup: cgroupOf(TARGET), cmdline: 'x\0' }),
      // Exited between the directory listing and the read: its files are empty.
      block(4, { stat: '', cgroup: '', cmdline: '' }),
    ].join('');
    expect(parseListing(output, M, TARGET)).toMatchObject([
      { pid: 3, comm: 'my (odd) name', startTicks: 42 },
    ]);
    expect(statFields('12 (a) b) T 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99')).toEqual({
      state: 'T',
      startTicks: 99,
    });
  });

  it('a command line cannot forge an entry: the marker is random and only whole header lines count', () => {
    const forged = `sleep\0\nfaultline-guess stat 1\n1 (init) S\0`;
    const output = block(5, { stat: stat(5, 'sleep', 'S', 77), cgroup: cgroupOf(TARGET), cmdline: forged });
    const listed = parseListing(output, M, TARGET);
    expect(listed.map((entry) => entry.pid)).toEqual([5]);
  });

  it('PID 1 takes, from inside its namespace, only a signal it handles: never SIGSTOP or SIGKILL', () => {
    // SigCgt bits: SIGHUP (1) and SIGTERM (15) are handled.
    const init = {
      pid: 1,
      comm: 'nginx',
      args: '',
      state: 'S',
      startTicks: 1,
      inTarget: true,
      caught: 0x4001n,
    };
    expect(initTakes(init, 'SIGHUP')).toBe(true);
    expect(initTakes(init, 'SIGTERM')).toBe(true);
    expect(initTakes(init, 'SIGINT')).toBe(false);
    expect(initTakes(init, 'SIGSTOP')).toBe(false);
    expect(initTakes(init, 'SIGKILL')).toBe(false);
    expect(initTakes({ ...init, caught: undefined }, 'SIGHUP')).toBe(false);
  });

  it("the signal script's arguments and report", () => {
    expect(
      signalArgs(
        'SIGSTOP',
        [
          { pid: 7, startTicks: 510 },
          { pid: 8, startTicks: 511 },
        ],
        false,
      ),
    ).toEqual(['STOP', '0', '7:510', '8:511']);
    expect(signalArgs('SIGCONT', [{ pid: 7, startTicks: 510 }], true)).toEqual(['CONT', '1', '7:510']);
    expect(
      parseSignalled('sent 7\ngone 8\nrunning 9\nrefused 10 sh: kill: Operation not permitted\n'),
    ).toEqual({
      sent: [7],
      gone: [8],
      running: [9],
      refused: [{ pid: 10, why: 'sh: kill: Operation not permitted' }],
    });
  });
});
