/**
 * A disk fill that cannot be made as asked (no such path, not enough space, a filesystem it must not
 * fill). The run reports it as a failed injection (exit 3), so its message says what to change.
 */
export class DiskFillError extends Error {
  override readonly name = 'DiskFillError';
}
