import { PassThrough, type Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { AttachedHelper, HelperSpec } from './client.js';
import { helperCreateOptions } from './engine-shapes.js';
import type { EngineCall } from './exec.js';

/**
 * Creates a helper whose main process reads its stdin, attaches to its streams before starting it (so
 * nothing it prints is missed), then starts it. The labels are set in the create call, as for every
 * helper. A helper that cannot be attached or started is removed.
 */
export async function runAttached(
  docker: Docker,
  spec: HelperSpec,
  call: EngineCall,
  remove: (id: string) => Promise<void>,
): Promise<AttachedHelper> {
  const container = await call(() =>
    docker.createContainer({
      ...helperCreateOptions(spec),
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    }),
  );
  try {
    const stream = await call(() =>
      container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(stream, stdout, stderr);
    const ended = () => {
      stdout.end();
      stderr.end();
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', ended);
    await call(() => container.start());
    // The hijacked connection: a socket, written to as the helper's stdin.
    return { id: container.id, stdin: stream as unknown as Writable, stdout, stderr };
  } catch (error) {
    await remove(container.id).catch(() => undefined);
    throw error;
  }
}
