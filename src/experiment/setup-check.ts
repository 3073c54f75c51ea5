import type { z } from 'zod';

/** Setup actions run one after the other, each finished before the next: none may run in the background. */
export function checkSetup(value: { setup?: unknown }, ctx: z.RefinementCtx): void {
  const actions = Array.isArray(value.setup) ? (value.setup as unknown[]) : [];
  for (const [index, action] of actions.entries()) {
    if (typeof action === 'object' && action !== null && 'background' in action) {
      ctx.addIssue({
        code: 'custom',
        message: 'setup actions run in order, each finished before the next; background is for method steps',
        path: ['setup', index, 'background'],
      });
    }
  }
}
