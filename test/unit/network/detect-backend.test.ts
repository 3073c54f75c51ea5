import { describe, expect, it } from 'vitest';
import type { CommandResult, NetnsRunner } from '../../../src/network/netns-runner.js';
import { detectBackend } from '../../../src/network/network-fault.js';

const target = { id: 'c1', name: 'api' };
const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });

/** A runner whose answers per binary are given in order (the last one repeats). */
function runner(answers: Record<string, CommandResult[]>): NetnsRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    via: 'nsenter',
    calls,
    async run(_target, argv) {
      calls.push(argv[0]!);
      const list = answers[argv[0]!] ?? [{ exitCode: 127, stdout: '', stderr: 'not found' }];
      return list.length > 1 ? list.shift()! : list[0]!;
    },
    display: (_target, argv) => argv.join(' '),
    async dispose() {},
  };
}

describe('detectBackend', () => {
  it('uses nf_tables when its save works, legacy when only legacy holds rules', async () => {
    expect(
      (await detectBackend(runner({ 'iptables-nft-save': [ok()], 'iptables-legacy-save': [ok()] }), target))
        .ipv4,
    ).toBe('iptables-nft');
    const legacy = runner({
      'iptables-nft-save': [ok()],
      'iptables-legacy-save': [ok('-A OUTPUT -j DROP\n')],
    });
    expect((await detectBackend(legacy, target)).ipv4).toBe('iptables-legacy');
  });

  it('falls back to legacy only when the nft tool is missing', async () => {
    const missing = runner({
      'iptables-nft-save': [
        {
          exitCode: 127,
          stdout: '',
          stderr: 'nsenter: failed to execute iptables-nft-save: No such file or directory',
        },
      ],
      'iptables-legacy-save': [ok()],
    });
    expect(await detectBackend(missing, target)).toMatchObject({
      ipv4: 'iptables-legacy',
      reason: 'only iptables-legacy is available',
    });
  });

  it('retries a transient failure instead of guessing the backend', async () => {
    const flaky = runner({
      'iptables-nft-save': [{ exitCode: 124, stdout: '', stderr: '' }, ok()],
      'iptables-legacy-save': [ok()],
    });
    expect((await detectBackend(flaky, target)).ipv4).toBe('iptables-nft');
    expect(flaky.calls.filter((call) => call === 'iptables-nft-save')).toHaveLength(2);
  });

  it('fails the injection when the failure persists, naming the tool', async () => {
    const broken = runner({
      'iptables-nft-save': [{ exitCode: 137, stdout: '', stderr: 'killed' }],
      'iptables-legacy-save': [ok()],
    });
    await expect(detectBackend(broken, target)).rejects.toThrow(
      /cannot tell which iptables backend api uses: iptables-nft-save failed \(exit 137: killed\)/,
    );
  });
});
