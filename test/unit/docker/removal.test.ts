import { describe, expect, it } from 'vitest';
import { DockerApiError } from '../../../src/docker/client.js';
import {
  exitInProgress,
  removalInProgress,
  removeOnceExited,
  untilGone,
} from '../../../src/docker/removal.js';

describe('a removal someone else is doing', () => {
  it("is told by the Engine's conflict answer, and nothing else", () => {
    expect(
      removalInProgress(new DockerApiError('removal of container 3f2a is already in progress', 409)),
    ).toBe(true);
    expect(removalInProgress(new DockerApiError('You cannot remove a running container', 409))).toBe(false);
    expect(removalInProgress(new Error('removal of container 3f2a is already in progress'))).toBe(false);
  });

  it('is waited for until the container is gone', async () => {
    let asked = 0;
    await untilGone('c1', async () => {
      asked += 1;
      if (asked >= 3) throw new DockerApiError('No such container: c1', 404);
      return {};
    });
    expect(asked).toBe(3);
  });

  it('passes on an Engine error other than not-found as still there, until the wait ends', async () => {
    const started = Date.now();
    const waited = untilGone('c1', async () => {
      if (Date.now() - started > 300) throw new DockerApiError('No such container: c1', 404);
      throw new DockerApiError('connection reset', 500);
    });
    await expect(waited).resolves.toBeUndefined();
  });
});

describe('a removal refused while the container exits', () => {
  it("is told by Podman's answer for a container it is still cleaning up, and nothing else", () => {
    const refused = new DockerApiError(
      'cannot remove container 3f2a as it could not be stopped: sending SIGKILL to container 3f2a: container state improper: stopped',
      500,
    );
    expect(exitInProgress(refused)).toBe(true);
    expect(exitInProgress(new DockerApiError('You cannot remove a running container', 409))).toBe(false);
  });

  it('is tried again until it goes through', async () => {
    let tries = 0;
    await removeOnceExited(async () => {
      tries += 1;
      if (tries < 3) throw new DockerApiError('container state improper: stopped', 500);
    });
    expect(tries).toBe(3);
  });

  it('passes on any other error at once', async () => {
    let tries = 0;
    const removal = removeOnceExited(async () => {
      tries += 1;
      throw new DockerApiError('connection reset', 500);
    });
    await expect(removal).rejects.toThrow('connection reset');
    expect(tries).toBe(1);
  });
});
