import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleContext, dockerfileHash } from '../../../src/platform/docker/helper-image/dockerfile.js';
import {
  collectHelperRootfs,
  proxyProgramFiles,
  proxyProgramHash,
  REQUIRED_TOOLS,
} from '../../../src/platform/docker/helper-image/index.js';

/**
 * The helper image carries node (the real file of the running node, with the libraries ldd lists) and
 * the fault proxy program at /opt/faultline/proxy, and its fingerprint changes with them, so an image
 * built without them is rebuilt. Read from a made-up toolbox: every tool a link to this host's `true`.
 */
let dir: string;
let toolbox: string;
let program: string;
let xtables: string;
const env = () => ({ PATH: toolbox, XTABLES_LIBDIR: xtables });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-image-proxy-'));
  toolbox = path.join(dir, 'bin');
  program = path.join(dir, 'proxy');
  xtables = path.join(dir, 'xtables');
  await mkdir(toolbox);
  await mkdir(path.join(program, 'http'), { recursive: true });
  await mkdir(xtables);
  await writeFile(path.join(xtables, 'libxt_comment.so'), '');
  const truth = await realpath('/bin/true');
  for (const tool of REQUIRED_TOOLS) await symlink(truth, path.join(toolbox, tool));
  await writeFile(path.join(program, 'main.js'), "import './http/session.js';\n");
  await writeFile(path.join(program, 'http', 'session.js'), 'export {};\n');
  await writeFile(path.join(program, 'main.js.map'), '{}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the helper image carries the fault proxy', () => {
  it('places node with its libraries, the proxy program and its package.json, and lists node, ss and the proxy', async () => {
    const rootfs = await collectHelperRootfs({ dirs: [toolbox], env: env(), proxyDir: program });
    const byPath = new Map(rootfs.entries.map((entry) => [entry.path, entry]));
    const node = await realpath(process.execPath);
    expect(byPath.get(node)).toMatchObject({ kind: 'file', source: node });
    expect(byPath.get('/usr/sbin/node')).toMatchObject({ kind: 'symlink', target: node });
    expect(byPath.get('/opt/faultline/proxy/main.js')).toMatchObject({
      kind: 'file',
      source: path.join(program, 'main.js'),
    });
    expect(byPath.get('/opt/faultline/proxy/http/session.js')).toMatchObject({ kind: 'file' });
    expect(byPath.has('/opt/faultline/proxy/main.js.map')).toBe(false);
    expect(byPath.get('/opt/faultline/proxy/package.json')).toMatchObject({
      kind: 'text',
      content: '{ "type": "module" }\n',
    });
    // node's own libraries (libstdc++ at least) are in the image, where ldd found them.
    expect([...byPath.keys()].find((entry) => /\/libstdc\+\+\.so/.test(entry))).toBeDefined();
    expect(rootfs.tools).toEqual(expect.arrayContaining(['node', 'ss', 'faultline-proxy', 'tc', 'iptables']));
  });

  it('fingerprints the proxy program: a changed program changes the image hash', async () => {
    const before = await collectHelperRootfs({ dirs: [toolbox], env: env(), proxyDir: program });
    await appendFile(path.join(program, 'http', 'session.js'), '// changed\n');
    const after = await collectHelperRootfs({ dirs: [toolbox], env: env(), proxyDir: program });
    expect(after.hash).not.toBe(before.hash);
  });

  it('refuses to build without the built proxy program, saying how to get it', async () => {
    const attempt = collectHelperRootfs({ dirs: [toolbox], env: env(), proxyDir: path.join(dir, 'none') });
    await expect(attempt).rejects.toMatchObject({
      code: 'HELPER_IMAGE_NO_PROXY',
      hint: expect.stringContaining('npm run build'),
    });
  });

  it('the Dockerfile way sends the Dockerfile and the program under proxy/, and hashes the program', async () => {
    const files = await proxyProgramFiles(program);
    const context = await assembleContext(files);
    try {
      expect(context.files).toEqual([
        'Dockerfile',
        'proxy/package.json',
        'proxy/http/session.js',
        'proxy/main.js',
      ]);
      for (const file of context.files) expect(existsSync(path.join(context.dir, file))).toBe(true);
      expect(await readFile(path.join(context.dir, 'Dockerfile'), 'utf8')).toContain(
        'COPY proxy/ /opt/faultline/proxy/',
      );
    } finally {
      await rm(context.dir, { recursive: true, force: true });
    }
    const hash = await proxyProgramHash(files);
    expect(dockerfileHash('FROM x', 'base', hash)).not.toBe(dockerfileHash('FROM x', 'base', 'other'));
    await appendFile(path.join(program, 'main.js'), '// changed\n');
    expect(await proxyProgramHash(await proxyProgramFiles(program))).not.toBe(hash);
  });
});
