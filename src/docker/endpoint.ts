import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { EnvironmentError, InvalidInputError } from '../errors.js';

/**
 * Which Docker Engine faultline talks to, found exactly as the docker CLI finds it:
 *
 *   1. `--host URL` (faultline's own option, like `docker -H`);
 *   2. `--context NAME`;
 *   3. `DOCKER_HOST`;
 *   4. `DOCKER_CONTEXT`;
 *   5. `currentContext` in `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`);
 *   6. the default socket, unix:///var/run/docker.sock.
 *
 * A context's endpoint and TLS material come from the contexts store next to config.json
 * (`contexts/meta/<sha256(name)>/meta.json`, `contexts/tls/<sha256(name)>/docker/`). For a host given
 * by `--host` or `DOCKER_HOST`, TLS follows `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and `DOCKER_CERT_PATH`.
 *
 * The result is plain data: it is written to the run's ledger, so that the watchdog and `recover`
 * revert on the Engine where the faults were made.
 */
export interface DockerEndpoint {
  /** unix:///path, tcp://host:port, ssh://[user@]host[:port] or npipe:// */
  host: string;
  /** Why this endpoint: the option, variable or file that chose it. */
  source: EndpointSource;
  /** The context's name when a context chose the endpoint. */
  context?: string | undefined;
  tls?: EndpointTls | undefined;
}

export type EndpointSource =
  | '--host'
  | '--context'
  | 'DOCKER_HOST'
  | 'DOCKER_CONTEXT'
  | 'config.json'
  | 'default';

export interface EndpointTls {
  /** Files; absent ones are not used (a context may carry only a CA). */
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  /** false: encrypt, but do not check the server's certificate (`--tls` without `--tlsverify`). */
  verify: boolean;
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const SCHEMES = ['unix', 'tcp', 'ssh', 'npipe'];

export interface EndpointOptions {
  host?: string | undefined;
  context?: string | undefined;
}

/** The endpoint the options and environment name; throws a clear error when it cannot be used. */
export function resolveEndpoint(
  options: EndpointOptions,
  env: NodeJS.ProcessEnv = process.env,
): DockerEndpoint {
  const host = options.host?.trim() || undefined;
  const context = options.context?.trim() || undefined;
  if (host !== undefined && context !== undefined) {
    throw new InvalidInputError(
      'ENDPOINT_CONFLICT',
      'conflicting options: either --host or --context, not both',
      { hint: 'Drop one of them.' },
    );
  }
  if (host !== undefined) return hostEndpoint(host, '--host', env);
  if (context !== undefined) return contextEndpoint(context, '--context', env);
  if (env.DOCKER_HOST) return hostEndpoint(env.DOCKER_HOST, 'DOCKER_HOST', env);
  if (env.DOCKER_CONTEXT) return contextEndpoint(env.DOCKER_CONTEXT, 'DOCKER_CONTEXT', env);
  const current = currentContext(env);
  if (current !== undefined) return contextEndpoint(current, 'config.json', env);
  return { host: DEFAULT_DOCKER_HOST, source: 'default' };
}

/** One line for people: where, and why there. */
export function describeEndpoint(endpoint: DockerEndpoint): string {
  const tls = endpoint.tls ? (endpoint.tls.verify ? ', TLS' : ', TLS without verification') : '';
  return `${endpoint.host} (${why(endpoint)}${tls})`;
}

function why(endpoint: DockerEndpoint): string {
  switch (endpoint.source) {
    case '--host':
      return 'from --host';
    case 'DOCKER_HOST':
      return 'from DOCKER_HOST';
    case '--context':
      return `context ${endpoint.context} from --context`;
    case 'DOCKER_CONTEXT':
      return `context ${endpoint.context} from DOCKER_CONTEXT`;
    case 'config.json':
      return `context ${endpoint.context}, current in ${configDir(process.env)}/config.json`;
    case 'default':
      return 'the default socket: no --host, --context, DOCKER_HOST, DOCKER_CONTEXT or current context';
  }
}

export function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || homedir(), '.docker');
}

/** The host from a flag or DOCKER_HOST, with TLS from the DOCKER_TLS* variables. */
function hostEndpoint(
  value: string,
  source: '--host' | 'DOCKER_HOST',
  env: NodeJS.ProcessEnv,
): DockerEndpoint {
  const host = normaliseHost(value, source);
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  const tlsOn = verify || Boolean(env.DOCKER_TLS);
  if (!tlsOn || !host.startsWith('tcp://')) return { host, source };
  const certPath = env.DOCKER_CERT_PATH || configDir(env);
  const file = (name: string) => {
    const full = path.join(certPath, name);
    return existsSync(full) ? full : undefined;
  };
  const tls: EndpointTls = { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify };
  if (verify && tls.ca === undefined) {
    throw new EndpointError(
      `${source}=${value} asks for TLS verification (DOCKER_TLS_VERIFY), and there is no ca.pem in ${certPath}`,
      'Set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem.',
    );
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new EndpointError(
      `${certPath} has ${tls.cert ? 'cert.pem but no key.pem' : 'key.pem but no cert.pem'}`,
      'A client certificate needs both cert.pem and key.pem in DOCKER_CERT_PATH.',
    );
  }
  return { host, source, tls };
}

/**
 * Checks and completes a host URL as the docker CLI does: `host:port` means tcp://, a tcp:// host
 * without a port gets 2375 (2376 with TLS is the user's to write).
 */
export function normaliseHost(value: string, source: string): string {
  const raw = value.trim();
  const withScheme = raw.includes('://') ? raw : `tcp://${raw}`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(withScheme)?.[1]?.toLowerCase();
  if (scheme === undefined || !SCHEMES.includes(scheme)) {
    throw new EndpointError(
      `${source}=${shown(value)} is not a Docker endpoint: expected unix://, tcp://, ssh:// or npipe://`,
      'Use e.g. unix:///var/run/docker.sock, tcp://127.0.0.1:2376 or ssh://user@host.',
      'DOCKER_HOST_INVALID',
    );
  }
  if (scheme === 'unix' || scheme === 'npipe') {
    // Like the docker CLI, `unix://` alone means the default socket.
    if (withScheme.length <= `${scheme}://`.length)
      return scheme === 'unix' ? DEFAULT_DOCKER_HOST : withScheme;
    return withScheme;
  }
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new EndpointError(
      `${source}=${shown(value)} is not a Docker endpoint: not a URL`,
      scheme === 'ssh'
        ? 'Use e.g. ssh://user@host or ssh://user@host:2222.'
        : 'Use e.g. tcp://127.0.0.1:2376.',
      'DOCKER_HOST_INVALID',
    );
  }
  if (!url.hostname) {
    throw new EndpointError(
      `${source}=${shown(value)} names no host`,
      'Use e.g. tcp://127.0.0.1:2376.',
      'DOCKER_HOST_INVALID',
    );
  }
  if (scheme === 'tcp' && (url.pathname.replace(/\/+$/, '') !== '' || url.search)) {
    throw new EndpointError(
      `${source}=${shown(value)}: a tcp:// endpoint has no path`,
      'Use e.g. tcp://127.0.0.1:2376.',
      'DOCKER_HOST_INVALID',
    );
  }
  if (scheme === 'tcp')
    return `tcp://${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${url.port || '2375'}`;
  return withScheme;
}

/** The current context named in config.json, or undefined for the default one. */
function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  const file = path.join(configDir(env), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new EndpointError(
      `${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}), so the current Docker context is unknown`,
      'Fix the file, or choose the Engine with --context or --host.',
    );
  }
  const name = (config as { currentContext?: unknown } | null)?.currentContext;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** A context from the store; `default` is the CLI's built-in one (DOCKER_HOST or the socket). */
function contextEndpoint(
  name: string,
  source: '--context' | 'DOCKER_CONTEXT' | 'config.json',
  env: NodeJS.ProcessEnv,
): DockerEndpoint {
  if (name === 'default') {
    const host = env.DOCKER_HOST ? hostEndpoint(env.DOCKER_HOST, 'DOCKER_HOST', env) : undefined;
    return { ...(host ?? { host: DEFAULT_DOCKER_HOST }), source, context: 'default' };
  }
  const store = path.join(configDir(env), 'contexts');
  const digest = createHash('sha256').update(name).digest('hex');
  const metaFile = path.join(store, 'meta', digest, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EndpointError(
      missing
        ? `Docker context ${JSON.stringify(name)} (${sourceWords(source)}) does not exist in ${store}`
        : `Docker context ${JSON.stringify(name)} cannot be read from ${metaFile}: ${error instanceof Error ? error.message : String(error)}`,
      missing
        ? 'List contexts with `docker context ls`, or choose the Engine with --host.'
        : 'Recreate it with `docker context create`, or choose the Engine with --host.',
    );
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) {
    throw new EndpointError(
      `Docker context ${JSON.stringify(name)} has no Docker endpoint (${metaFile})`,
      'Recreate it with `docker context create NAME --docker host=...`.',
    );
  }
  const host = normaliseHost(docker.Host, `context ${name}`);
  const tlsDir = path.join(store, 'tls', digest, 'docker');
  const file = (fileName: string) => {
    const full = path.join(tlsDir, fileName);
    return existsSync(full) ? full : undefined;
  };
  const ca = file('ca.pem');
  const cert = file('cert.pem');
  const key = file('key.pem');
  const hasTls = ca !== undefined || cert !== undefined || key !== undefined || docker.SkipTLSVerify === true;
  const tls =
    hasTls && host.startsWith('tcp://')
      ? { ca, cert, key, verify: docker.SkipTLSVerify !== true }
      : undefined;
  return { host, source, context: name, tls };
}

function sourceWords(source: EndpointSource): string {
  return source === 'config.json' ? 'current context in config.json' : `from ${source}`;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value).slice(1, -1);
}

/** The Docker endpoint the user named cannot be used as given. */
export class EndpointError extends EnvironmentError {
  constructor(
    message: string,
    hint: string,
    code: 'DOCKER_ENDPOINT_INVALID' | 'DOCKER_HOST_INVALID' = 'DOCKER_ENDPOINT_INVALID',
  ) {
    super(code, message, { hint });
  }
}
