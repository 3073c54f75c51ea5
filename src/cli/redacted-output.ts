import type { Redactor } from '../util/redact.js';
import type { Output } from './output.js';

/**
 * The same output, with every write passed through the redactor: whatever a command, a reporter, a
 * spinner or commander prints, a secret value never reaches the terminal or the CI log. The streams
 * are otherwise untouched (isTTY, columns and cursor methods still reach the real stream).
 */
export function redactOutput(output: Output, redactor: Redactor): Output {
  return {
    ...output,
    stdout: redactStream(output.stdout, redactor),
    stderr: redactStream(output.stderr, redactor),
    terminal: redactStream(output.terminal, redactor),
  };
}

export function redactStream<T extends { write(...args: never[]): unknown }>(
  stream: T,
  redactor: Redactor,
): T {
  const original = stream.write as (...args: unknown[]) => boolean;
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return original.call(stream, redactor.redact(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk).toString('utf8');
      const safe = redactor.redact(text);
      if (safe !== text) {
        return original.call(stream, safe, 'utf8', ...rest.filter((arg) => typeof arg === 'function'));
      }
    }
    return original.call(stream, chunk, ...rest);
  };
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
