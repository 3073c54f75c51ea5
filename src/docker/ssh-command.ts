import { EnvironmentError } from '../errors.js';

/** Where an ssh:// Docker endpoint points: the parts `ssh` is given, plus a text for messages. */
export interface SshDestination {
  host: string;
  user: string | undefined;
  port: string | undefined;
  /** `user@host:port` as the user wrote it, without any password. */
  shown: string;
}

/**
 * Reads `ssh://[user@]host[:port]` the way the docker CLI does: anything more (a password, a path, a
 * query, a fragment) is refused rather than silently dropped, and so is a host or user that `ssh`
 * could read as an option.
 */
export function sshDestination(url: URL): SshDestination {
  const user = url.username === '' ? undefined : decodeUser(url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? undefined : url.port;
  const shown = `${user === undefined ? '' : `${user}@`}${url.hostname}${port === undefined ? '' : `:${port}`}`;
  const refuse = (reason: string) => new SshEndpointError(`ssh://${shown}`, reason);

  if (url.protocol !== 'ssh:') throw new SshEndpointError(url.protocol, 'expected an ssh:// URL');
  if (url.password !== '') throw refuse('a password in the URL is not supported');
  if (host === '') throw refuse('no host after ssh://');
  if (url.pathname !== '') throw refuse(`unexpected path ${JSON.stringify(url.pathname)} after the host`);
  if (url.search !== '') throw refuse(`unexpected query ${JSON.stringify(url.search)} after the host`);
  if (url.hash !== '') throw refuse(`unexpected fragment ${JSON.stringify(url.hash)} after the host`);
  if (host.startsWith('-')) throw refuse('the host may not start with "-"');
  if (user?.startsWith('-')) throw refuse('the user may not start with "-"');
  return { host, user, port, shown };
}

function decodeUser(url: URL): string {
  try {
    return decodeURIComponent(url.username);
  } catch (error) {
    throw new SshEndpointError(
      `ssh://${url.username}@${url.host}`,
      'the user is not valid percent-encoding',
      error,
    );
  }
}

/**
 * The arguments the docker CLI gives `ssh` for an ssh:// endpoint: the remote `docker system
 * dial-stdio` relays the Engine's API over the process's stdin and stdout. `--` ends the options, so
 * nothing from the URL is ever read as one.
 */
export function sshArgv(destination: SshDestination): string[] {
  return [
    '-o',
    'ConnectTimeout=30',
    '-T',
    ...(destination.user === undefined ? [] : ['-l', destination.user]),
    ...(destination.port === undefined ? [] : ['-p', destination.port]),
    '--',
    destination.host,
    'docker',
    'system',
    'dial-stdio',
  ];
}

export class SshEndpointError extends EnvironmentError {
  constructor(value: string, reason: string, cause?: unknown) {
    super('DOCKER_SSH_URL_INVALID', `${value} is not an ssh:// Docker endpoint: ${reason}`, {
      hint: 'Write it as ssh://[user@]host[:port], e.g. ssh://deploy@build-host or ssh://deploy@build-host:2222; keys, passwords and other options belong in ~/.ssh/config.',
      cause,
    });
  }
}
