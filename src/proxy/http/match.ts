import { picks, type Random } from '../prng.js';
import type { HttpAction, HttpFault, HttpMatch } from '../types.js';
import { header, type MessageHead } from './head.js';

interface CompiledFault {
  fault: HttpFault;
  pattern: RegExp | undefined;
}

/** Picks the action for each request: the first fault whose match and percentage pick it, if any. */
export class FaultMatcher {
  readonly #faults: CompiledFault[];

  constructor(
    faults: HttpFault[],
    private readonly random: Random,
  ) {
    this.#faults = faults.map((fault) => ({
      fault,
      pattern: fault.match.pathPattern === undefined ? undefined : new RegExp(fault.match.pathPattern),
    }));
  }

  get empty(): boolean {
    return this.#faults.length === 0;
  }

  actionFor(head: MessageHead): HttpAction | undefined {
    if (this.#faults.length === 0) return undefined;
    const [method, target] = head.start;
    const path = pathOf(target);
    for (const { fault, pattern } of this.#faults) {
      if (!matches(fault.match, pattern, method, path, head)) continue;
      if (picks(this.random, fault.percent)) return fault.action;
    }
    return undefined;
  }
}

/** The path of a request target, without the query (an absolute-form target loses its origin). */
export function pathOf(target: string): string {
  let path = target;
  const scheme = path.indexOf('://');
  if (scheme > 0 && scheme < 10) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash < 0 ? '/' : path.slice(slash);
  }
  const query = path.search(/[?#]/);
  return query < 0 ? path : path.slice(0, query);
}

function matches(
  match: HttpMatch,
  pattern: RegExp | undefined,
  method: string,
  path: string,
  head: MessageHead,
) {
  if (match.methods && !match.methods.includes(method)) return false;
  if (match.path !== undefined && !prefixMatches(match.path, path)) return false;
  if (pattern && !pattern.test(path)) return false;
  for (const [name, value] of Object.entries(match.headers ?? {})) {
    if (header(head, name.toLowerCase()) !== value) return false;
  }
  return true;
}

/** `/checkout` matches `/checkout` and `/checkout/1`, not `/checkouts`; `/` and `/api/` match below them. */
function prefixMatches(prefix: string, path: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path[prefix.length] === '/';
}
