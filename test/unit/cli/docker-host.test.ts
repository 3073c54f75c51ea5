import { describe, expect, it } from 'vitest';
import {
  checkDockerHost,
  createDockerClient,
  DockerEndpointError,
} from '../../../src/docker/dockerode-client.js';

describe('checkDockerHost', () => {
  it.each([
    undefined,
    '',
    'unix:///var/run/docker.sock',
    'unix://',
    'tcp://127.0.0.1:2375',
    'ssh://user@host',
    'npipe:////./pipe/docker_engine',
    '127.0.0.1:2375',
  ])('accepts %j', (value) => {
    expect(() => checkDockerHost(value)).not.toThrow();
  });

  it.each(['bogus://x', 'http://127.0.0.1:2375', 'fd://', '://x', 'unix:/x://y'])('refuses %j', (value) => {
    let error: unknown;
    try {
      checkDockerHost(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DockerEndpointError);
    expect(error).toMatchObject({
      code: 'DOCKER_HOST_INVALID',
      exitCode: 3,
      message: `DOCKER_HOST=${value} is not a Docker endpoint: expected unix://, tcp://, npipe:// or ssh://`,
    });
  });

  it('createDockerClient refuses it before connecting', () => {
    expect(() => createDockerClient({ DOCKER_HOST: 'bogus://x' })).toThrow(DockerEndpointError);
  });
});
