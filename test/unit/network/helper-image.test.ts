import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, InvalidInputError } from '../../../src/errors.js';
import {
  BUSYBOX_APPLETS,
  busyboxPlacements,
  collectHelperRootfs,
  HelperToolsMissingError,
  hashRootfs,
  importChanges,
  libraryPlacements,
  multiarchTriplets,
  normalizeEntries,
  parseImageReference,
  parseLddOutput,
  type RootfsEntry,
  searchDirs,
  tcLibDirCandidates,
  toolPlacements,
  xtablesDirCandidates,
} from '../../../src/platform/docker/helper-image/index.js';

const GLIBC_TC = `\tlinux-vdso.so.1 (0x00007ffd2a5f3000)
\tlibbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x00007f734160d000)
\tlibmnl.so.0 => /lib/x86_64-linux-gnu/libmnl.so.0 (0x00007f73415ea000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f73412f0000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f7341711000)
`;

describe('parseLddOutput', () => {
  it('lists libraries and the dynamic loader, without the vDSO', () => {
    expect(parseLddOutput(`/usr/sbin/tc:\n${GLIBC_TC}`)).toEqual({
      libraries: [
        '/lib/x86_64-linux-gnu/libbpf.so.1',
        '/lib/x86_64-linux-gnu/libmnl.so.0',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
      missing: [],
    });
  });

  it('merges several files, skips static ones and reports what was not found', () => {
    const text = [
      '/usr/sbin/xtables-legacy-multi:',
      '\tlinux-vdso.so.1 (0x00007fa01d30b000)',
      '\tlibxtables.so.12 => /lib/x86_64-linux-gnu/libxtables.so.12 (0x00007fa01d267000)',
      '\tlibip4tc.so.2 => not found',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fa01d072000)',
      '/bin/busybox:',
      '\tnot a dynamic executable',
      '/usr/lib/x86_64-linux-gnu/xtables/libxt_comment.so:',
      '\tstatically linked',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1)',
    ].join('\n');
    expect(parseLddOutput(text)).toEqual({
      libraries: ['/lib/x86_64-linux-gnu/libxtables.so.12', '/lib/x86_64-linux-gnu/libc.so.6'],
      missing: ['libip4tc.so.2'],
    });
  });

  it('understands musl ldd and old-style vDSO lines', () => {
    const text = [
      '\t/lib/ld-musl-x86_64.so.1 (0x7f6a1c9f1000)',
      '\tlibmnl.so.0 => /usr/lib/libmnl.so.0 (0x7f6a1c9d0000)',
      '\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f6a1c9f1000)',
      '\tlinux-gate.so.1 =>  (0xb7f8e000)',
    ].join('\n');
    expect(parseLddOutput(text).libraries).toEqual(['/lib/ld-musl-x86_64.so.1', '/usr/lib/libmnl.so.0']);
  });
});

describe('where the modules are', () => {
  it('derives the multiarch triplet from library paths, then from the CPU', () => {
    expect(
      multiarchTriplets(['/lib/aarch64-linux-gnu/libc.so.6', '/lib/ld-linux-aarch64.so.1'], 'arm64'),
    ).toEqual(['aarch64-linux-gnu']);
    expect(multiarchTriplets(['/lib64/libc.so.6'], 'x64')).toEqual(['x86_64-linux-gnu']);
    expect(multiarchTriplets([], 'unknown-cpu')).toEqual([]);
  });

  it('looks for xtables modules under the multiarch path first, then the lib64 and plain layouts', () => {
    const candidates = xtablesDirCandidates(['aarch64-linux-gnu']);
    expect(candidates[0]).toBe('/usr/lib/aarch64-linux-gnu/xtables');
    expect(candidates).toContain('/usr/lib64/xtables');
    expect(candidates).toContain('/usr/lib/xtables');
    expect(xtablesDirCandidates([], { XTABLES_LIBDIR: '/opt/xt' })[0]).toBe('/opt/xt');
  });

  it('looks for tc distribution tables in /usr/lib/<triplet>/tc and /usr/lib/tc', () => {
    expect(tcLibDirCandidates(['x86_64-linux-gnu'])).toEqual([
      '/usr/lib/x86_64-linux-gnu/tc',
      '/usr/lib64/tc',
      '/usr/lib/tc',
      '/lib/tc',
    ]);
  });

  it('searches PATH and then the system directories a non-root PATH often lacks', () => {
    expect(searchDirs({ PATH: '/home/me/bin:relative:/usr/bin' })).toEqual([
      '/home/me/bin',
      '/usr/bin',
      '/usr/local/sbin',
      '/usr/local/bin',
      '/usr/sbin',
      '/sbin',
      '/bin',
    ]);
  });
});

describe('the root filesystem layout', () => {
  it('keeps a multi-call binary once and links every name to it, so argv[0] dispatch works', () => {
    const placements = toolPlacements([
      { name: 'iptables', path: '/usr/sbin/iptables', real: '/usr/sbin/xtables-nft-multi' },
      { name: 'iptables-legacy', path: '/usr/sbin/iptables-legacy', real: '/usr/sbin/xtables-legacy-multi' },
      { name: 'ip6tables', path: '/sbin/ip6tables', real: '/usr/sbin/xtables-nft-multi' },
      { name: 'ip', path: '/usr/sbin/ip', real: '/usr/bin/ip' },
      { name: 'tc', path: '/usr/sbin/tc', real: '/usr/sbin/tc' },
    ]);
    expect(normalizeEntries(placements)).toEqual([
      { kind: 'copy', path: '/usr/bin/ip', source: '/usr/bin/ip' },
      { kind: 'symlink', path: '/usr/sbin/ip', target: '/usr/bin/ip' },
      { kind: 'symlink', path: '/usr/sbin/ip6tables', target: 'xtables-nft-multi' },
      { kind: 'symlink', path: '/usr/sbin/iptables', target: 'xtables-nft-multi' },
      { kind: 'symlink', path: '/usr/sbin/iptables-legacy', target: 'xtables-legacy-multi' },
      { kind: 'copy', path: '/usr/sbin/tc', source: '/usr/sbin/tc' },
      { kind: 'copy', path: '/usr/sbin/xtables-legacy-multi', source: '/usr/sbin/xtables-legacy-multi' },
      { kind: 'copy', path: '/usr/sbin/xtables-nft-multi', source: '/usr/sbin/xtables-nft-multi' },
    ]);
  });

  it('copies libraries to the paths ldd reports, the loader included, from their real files', () => {
    expect(
      libraryPlacements([
        { path: '/lib64/ld-linux-x86-64.so.2', real: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
        { path: '/lib/x86_64-linux-gnu/libmnl.so.0', real: '/usr/lib/x86_64-linux-gnu/libmnl.so.0.2.0' },
      ]),
    ).toEqual([
      {
        kind: 'copy',
        path: '/lib64/ld-linux-x86-64.so.2',
        source: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      },
      {
        kind: 'copy',
        path: '/lib/x86_64-linux-gnu/libmnl.so.0',
        source: '/usr/lib/x86_64-linux-gnu/libmnl.so.0.2.0',
      },
    ]);
  });

  it('puts busybox at /bin/busybox with sh and sleep linked to it', () => {
    const placements = busyboxPlacements('/usr/bin/busybox');
    expect(placements[0]).toEqual({ kind: 'copy', path: '/bin/busybox', source: '/usr/bin/busybox' });
    expect(placements).toContainEqual({ kind: 'symlink', path: '/bin/sh', target: 'busybox' });
    expect(placements).toContainEqual({ kind: 'symlink', path: '/bin/sleep', target: 'busybox' });
    expect(placements).toHaveLength(BUSYBOX_APPLETS.length + 1);
  });
});

describe('hashRootfs', () => {
  const entries: RootfsEntry[] = [
    { kind: 'file', path: '/usr/sbin/tc', source: '/usr/sbin/tc', mode: 0o755, size: 100, mtimeMs: 1000.4 },
    { kind: 'symlink', path: '/usr/sbin/iptables', target: 'xtables-nft-multi' },
    { kind: 'text', path: '/etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644 },
  ];
  const env = { PATH: '/usr/sbin:/usr/bin' };

  it('does not depend on the order of entries', () => {
    expect(hashRootfs([...entries].reverse(), env)).toBe(hashRootfs(entries, env));
    expect(hashRootfs(entries, env)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when a file changes size or mtime, a link changes target, or the env changes', () => {
    const base = hashRootfs(entries, env);
    const changed = (index: number, patch: Partial<RootfsEntry>) =>
      hashRootfs(
        entries.map((entry, i) => (i === index ? ({ ...entry, ...patch } as RootfsEntry) : entry)),
        env,
      );
    expect(changed(0, { size: 101 })).not.toBe(base);
    expect(changed(0, { mtimeMs: 2000 })).not.toBe(base);
    expect(changed(1, { target: 'xtables-legacy-multi' })).not.toBe(base);
    expect(changed(2, { content: 'root:x:0:0::/:/bin/sh\n' })).not.toBe(base);
    expect(hashRootfs(entries, { PATH: '/bin' })).not.toBe(base);
  });
});

describe('parseImageReference', () => {
  it('splits the tag and defaults it to latest', () => {
    expect(parseImageReference('faultline/nettools:1')).toEqual({ repo: 'faultline/nettools', tag: '1' });
    expect(parseImageReference('nettools')).toEqual({ repo: 'nettools', tag: 'latest' });
    expect(parseImageReference('registry.local:5000/team/nettools:v2')).toEqual({
      repo: 'registry.local:5000/team/nettools',
      tag: 'v2',
    });
  });

  it('rejects names Docker would refuse, as invalid input', () => {
    for (const bad of ['Faultline/NetTools:1', 'nettools:', 'a b', 'nettools@sha256:abc', '']) {
      expect(() => parseImageReference(bad), bad).toThrow(InvalidInputError);
    }
  });
});

describe('importChanges', () => {
  it('sets labels in one LABEL instruction and each variable with ENV', () => {
    expect(
      importChanges(
        { 'org.faultline.helper-image': '1', 'org.faultline.helper-image.hash': 'abc' },
        { PATH: '/bin' },
      ),
    ).toEqual([
      'LABEL "org.faultline.helper-image"="1" "org.faultline.helper-image.hash"="abc"',
      'ENV PATH=/bin',
    ]);
  });
});

describe('HelperToolsMissingError', () => {
  it('is an environment error (exit 3) that names the tools and says how to install them', () => {
    const error = new HelperToolsMissingError(['tc', 'iptables'], ['/usr/sbin', '/usr/bin']);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.exitCode).toBe(3);
    expect(error.code).toBe('HELPER_TOOLS_MISSING');
    expect(error.message).toContain('tc, iptables not found');
    expect(error.hint).toContain('apt-get install iproute2 iptables');
    expect(error.hint).toContain('any image that has tc, ip and iptables');
  });
});

describe('collectHelperRootfs', () => {
  it('fails with every missing required tool when none is installed where it looks', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'faultline-no-tools-'));
    try {
      const attempt = collectHelperRootfs({ dirs: [empty] });
      await expect(attempt).rejects.toBeInstanceOf(HelperToolsMissingError);
      await expect(attempt).rejects.toMatchObject({
        missing: [
          'tc',
          'ip',
          'ss',
          'iptables',
          'iptables-save',
          'iptables-restore',
          'ip6tables',
          'ip6tables-save',
          'ip6tables-restore',
        ],
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
