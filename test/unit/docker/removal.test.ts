import { describe, expect, it } from 'vitest';
import { DockerApiError } from '../../../src/docker/client.js';
import { removalInProgress, untilGone } from '../../../src/docker/removal.js';

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
