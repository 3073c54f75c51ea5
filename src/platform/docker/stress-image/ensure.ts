import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DockerClient } from '../../../docker/client.js';
import { EnvironmentError } from '../../../errors.js';
import { execa } from '../../../util/lazy-execa.js';
import { readProgress } from '../helper-image/engine.js';
import { materializeRootfs } from '../helper-image/offline-build.js';
import { importChanges } from '../helper-image/rootfs.js';
import { collectStressRootfs } from './rootfs.js';

/** The image stress helpers run: stress-ng from this host, imported without a registry. */
export const STRESS_IMAGE = 'faultline/stress:1';
/** Fingerprint of the host files the image was made from: a changed stress-ng makes a new image. */
export const STRESS_IMAGE_HASH_LABEL = 'org.faultline.stress-image.hash';

type StressDocker = Pick<DockerClient, 'inspectImage' | 'importImage' | 'endpoint'>;

/** Makes sure the stress image exists and matches this host's stress-ng; imports it when not. */
export async function ensureStressImage(docker: StressDocker): Promise<string> {
  const rootfs = await collectStressRootfs();
  const present = await docker.inspectImage(STRESS_IMAGE).catch(() => undefined);
  if (present?.labels[STRESS_IMAGE_HASH_LABEL] === rootfs.hash) return STRESS_IMAGE;
  const workDir = await mkdtemp(path.join(tmpdir(), 'faultline-stress-image-'));
  try {
    const rootDir = path.join(workDir, 'rootfs');
    const tarFile = path.join(workDir, 'rootfs.tar');
    await materializeRootfs(rootfs.entries, rootDir);
    const tar = await execa(
      'tar',
      [
        '--create',
        `--file=${tarFile}`,
        `--directory=${rootDir}`,
        '--numeric-owner',
        '--owner=0',
        '--group=0',
        '.',
      ],
      { reject: false },
    );
    if (tar.exitCode !== 0) throw importError(`tar failed: ${tar.stderr.trim() || tar.shortMessage}`);
    const [repo, tag] = STRESS_IMAGE.split(':') as [string, string];
    const changes = importChanges({ [STRESS_IMAGE_HASH_LABEL]: rootfs.hash }, rootfs.env);
    const problem = await readProgress(await docker.importImage({ tarFile, repo, tag, changes }));
    if (problem !== undefined) throw importError(`docker import failed: ${problem}`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return STRESS_IMAGE;
}

function importError(message: string): EnvironmentError {
  return new EnvironmentError('STRESS_IMAGE_IMPORT_FAILED', `cannot make the stress image: ${message}`, {
    hint: 'Check that the Docker Engine runs on this machine (the image is built from host files) and has disk space.',
  });
}
