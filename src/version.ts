/** Kept in step with package.json by a unit test; read here without touching the disk at start-up. */
export const VERSION = '0.1.0';
