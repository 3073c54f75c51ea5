import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult } from './client.js';

/** Runs an Engine call, naming the endpoint in its errors (DockerodeClient.call). */
export type EngineCall = <T>(operation: () => Promise<T>) => Promise<T>;

/** `docker exec`: one exec created, started with its streams attached, then inspected for its exit code. */
export async function execIn(
  docker: Docker,
  id: string,
  argv: readonly string[],
  options: ExecOptions,
  call: EngineCall,
): Promise<ExecResult> {
  const container = docker.getContainer(id);
  const withInput = options.input !== undefined;
  const exec = await call(() =>
    container.exec({
      Cmd: [...argv],
      AttachStdin: withInput,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    }),
  );
  const stream = await call(() => exec.start({ hijack: true, stdin: withInput }));
  if (withInput) stream.end(options.input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  docker.modem.demuxStream(stream, stdout, stderr);

  const timedOut = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => finish(true), options.timeoutMs);
    const onAbort = () => finish(true);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    function finish(value: boolean) {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(value);
    }
    stream.on('end', () => finish(false));
    stream.on('close', () => finish(false));
    stream.on('error', () => finish(false));
  });
  if (timedOut) stream.destroy();
  const inspected = timedOut ? undefined : await call(() => exec.inspect());
  return {
    exitCode: inspected?.ExitCode ?? -1,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    timedOut,
  };
}
