import * as z from 'zod';
import { builtOnce } from '../../util/built-once.js';
import { defineProbeKind } from '../kind.js';

/** An HTTP request: the http probe, and the http action (experiment/schema.ts). */
export const httpRequest = builtOnce(() =>
  z.strictObject({
    url: z
      .string()
      .refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), {
        message: 'expected an http:// or https:// URL',
      })
      .refine((text) => !URL.canParse(text) || !hasCredentials(new URL(text)), {
        // Never echoes the URL: it holds a password.
        message:
          'the URL holds a user name or password, which requests refuse; send them in a header instead: ' +
          'headers: { Authorization: "Basic ${secret:API_BASIC}" }',
      })
      .meta({ description: 'An http:// or https:// URL', examples: ['http://127.0.0.1:8080/health'] }),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      .default('GET')
      .meta({ description: 'The request method' }),
    headers: z.record(z.string(), z.string()).optional().meta({ description: 'Request headers' }),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .optional()
      .meta({ description: 'A string, or an object sent as JSON' }),
  }),
);

function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

export const httpKind = defineProbeKind({
  kind: 'http',
  description: 'Send an HTTP request; by default a 2xx status passes',
  schema: httpRequest,
  expects: ['status', 'latency', 'body'],
});
