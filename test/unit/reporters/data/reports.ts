import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SessionResult } from '../../../../src/model/journal.js';

export const DATA = import.meta.dirname;

/**
 * JSON reports of real runs: the demo stack's resilient and fragile gateways, each with backend-a paused
 * for 3 s, checked by an HTTP probe every 250ms and a load probe at 20/s (resilient-pause.yaml and
 * fragile-pause.yaml beside them, run against `fixtures/demo`).
 */
export function realReport(name: 'resilient-pause' | 'fragile-pause'): SessionResult {
  return JSON.parse(readFileSync(path.join(DATA, `${name}.json`), 'utf8')) as SessionResult;
}
