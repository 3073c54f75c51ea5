/**
 * A value made on first use and kept: `builtOnce(() => z.strictObject({...}))` costs nothing until a
 * step of that kind is read, so a command that reads no such step never builds its schema.
 */
export function builtOnce<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
