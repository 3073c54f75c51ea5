import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
  HELPER_IMAGE_WAY_LABEL,
} from '../../../docker/labels.js';
import { execa } from '../../../util/lazy-execa.js';
import { dockerCall, HelperImageBuildError, type HelperImageDocker, readProgress } from './engine.js';
import { type HelperRootfs, importChanges, normalizeEntries, type RootfsEntry } from './rootfs.js';

/** The offline way: the root filesystem written to a temporary directory, packed with tar, imported. */

/** Writes the root filesystem into `dir`. */
export async function materializeRootfs(entries: readonly RootfsEntry[], dir: string): Promise<void> {
  for (const entry of normalizeEntries(entries)) {
    const target = path.join(dir, entry.path);
    await mkdir(path.dirname(target), { recursive: true });
    switch (entry.kind) {
      case 'dir':
        await mkdir(target, { recursive: true });
        await chmod(target, entry.mode);
        break;
      case 'file':
        await copyFile(entry.source, target);
        await chmod(target, entry.mode);
        break;
      case 'symlink':
        await symlink(entry.target, target);
        break;
      case 'text':
        await writeFile(target, entry.content);
        await chmod(target, entry.mode);
        break;
    }
  }
}

export async function importFromHost(
  docker: HelperImageDocker,
  rootfs: HelperRootfs,
  options: { repo: string; tag: string; log: (line: string) => void },
): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'faultline-helper-image-'));
  try {
    const rootDir = path.join(workDir, 'rootfs');
    const tarFile = path.join(workDir, 'rootfs.tar');
    await materializeRootfs(rootfs.entries, rootDir);
    const bytes = rootfs.entries.reduce((sum, entry) => sum + (entry.kind === 'file' ? entry.size : 0), 0);
    options.log(`assembled ${rootfs.entries.length} paths (${(bytes / 1e6).toFixed(1)} MB) in ${rootDir}`);
    await createTar(rootDir, tarFile);
    const labels = {
      [HELPER_IMAGE_LABEL]: '1',
      [HELPER_IMAGE_HASH_LABEL]: rootfs.hash,
      [HELPER_IMAGE_TOOLS_LABEL]: rootfs.tools.join(','),
      [HELPER_IMAGE_WAY_LABEL]: 'host',
    };
    options.log(`importing ${options.repo}:${options.tag}`);
    await importTar(docker, tarFile, {
      repo: options.repo,
      tag: options.tag,
      changes: importChanges(labels, rootfs.env),
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function createTar(rootDir: string, tarFile: string): Promise<void> {
  // GNU tar: owned by root inside the image whoever builds it, in a stable order.
  const args = ['--create', `--file=${tarFile}`, `--directory=${rootDir}`, '--numeric-owner', '--owner=0'];
  const result = await execa('tar', [...args, '--group=0', '--sort=name', '.'], { reject: false });
  if (result.exitCode !== 0) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_TAR_FAILED',
      `tar failed: ${result.stderr.trim() || result.shortMessage}`,
      { hint: 'The helper image build needs GNU tar 1.28 or later on PATH.', cause: result.cause },
    );
  }
}

async function importTar(
  docker: HelperImageDocker,
  tarFile: string,
  options: { repo: string; tag: string; changes: string[] },
): Promise<void> {
  const response = await dockerCall(() => docker.importImage({ tarFile, ...options }));
  const problem = await readProgress(response);
  if (problem !== undefined) {
    throw new HelperImageBuildError('HELPER_IMAGE_IMPORT_FAILED', `docker import failed: ${problem}`);
  }
}
