import * as z from 'zod';
import { teachingErrorMap } from './issue-message.js';

/**
 * An optional key whose shape is built only when a file has it: reading a probe builds the shape of
 * its own kind, not of every kind there is. Parsing, errors (their paths and messages) and the output
 * are the same as `build().optional()` gives; `faultline schema` and `explain` use the built shapes
 * themselves (see probeShape's `lazy`).
 */
export function whenPresent<S extends z.ZodType>(build: () => S): z.ZodOptional<S> {
  return z
    .transform((value: unknown, ctx) => {
      const result = build().safeParse(value, { reportInput: true, error: teachingErrorMap });
      if (result.success) return result.data;
      for (const issue of result.error.issues) {
        // The issue keeps the value it is about (nothing for a missing key), as a direct parse does.
        const own = (issue as { input?: unknown }).input;
        ctx.addIssue({ ...(issue as z.core.$ZodIssueCustom), path: issue.path, input: own });
      }
      return z.NEVER;
    })
    .optional() as unknown as z.ZodOptional<S>;
}

/** An optional key: built now with its description (for schema and explain), or when present. */
export function optionalKey<S extends z.ZodType>(
  lazy: boolean,
  build: () => S,
  meta: z.core.GlobalMeta,
): z.ZodOptional<S> {
  return lazy ? whenPresent(build) : build().optional().meta(meta);
}
