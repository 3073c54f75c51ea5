import { EnvironmentError, FaultlineError } from '../errors.js';
import { DockerApiError } from './client.js';
import { DEFAULT_DOCKER_HOST, type DockerEndpoint, describeEndpoint } from './endpoint.js';

/** What faultline says when the Engine cannot be reached, or answers with an error. */

export class DockerUnavailableError extends EnvironmentError {
  constructor(cause: unknown, endpoint?: DockerEndpoint) {
    const where = endpoint ? describeEndpoint(endpoint) : DEFAULT_DOCKER_HOST;
    super('DOCKER_UNAVAILABLE', `cannot reach the Docker Engine at ${where}: ${describe(cause)}`, {
      hint: 'Start Docker (or `sudo dockerd`), check that you may use the socket, and check which Engine you mean (--host, --context, DOCKER_HOST, DOCKER_CONTEXT).',
      cause,
    });
  }
}

export class DockerTlsError extends EnvironmentError {
  constructor(cause: unknown, endpoint: DockerEndpoint) {
    super(
      'DOCKER_TLS_FAILED',
      `cannot reach the Docker Engine at ${describeEndpoint(endpoint)}: TLS: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        hint: "Check that ca.pem is the CA that signed the Engine's certificate, and that cert.pem and key.pem are a client certificate it accepts (DOCKER_CERT_PATH, or the context's TLS files).",
        cause,
      },
    );
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'the socket does not exist';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

const CONNECTION_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // A DOCKER_HOST whose host name does not resolve or cannot be reached.
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The Engine's error as faultline's: unreachable, TLS, or an API error with its status. */
export function wrap(error: unknown, endpoint?: DockerEndpoint): Error {
  // faultline's own errors (an ssh connection that failed, say) already say what to do.
  if (error instanceof FaultlineError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && CONNECTION_CODES.has(code)) return new DockerUnavailableError(error, endpoint);
  if (endpoint?.tls && isTlsError(error)) return new DockerTlsError(error, endpoint);
  const statusCode = (error as { statusCode?: number }).statusCode;
  const json = (error as { json?: { message?: string } }).json;
  const message = json?.message ?? (error instanceof Error ? error.message : String(error));
  return new DockerApiError(message.trim(), statusCode, { cause: error });
}

/** TLS failures: something answers, but faultline cannot talk to it safely. */
function isTlsError(error: unknown): boolean {
  const code = String((error as NodeJS.ErrnoException).code ?? '');
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'EPROTO'
  );
}
