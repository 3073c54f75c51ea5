import * as z from 'zod';
import { nonEmpty, numeric } from '../../experiment/shapes.js';
import { defineProbeKind } from '../kind.js';

export const tcpKind = defineProbeKind({
  kind: 'tcp',
  description: 'Open a TCP connection',
  schema: () =>
    z.strictObject({
      host: nonEmpty.meta({ description: 'Host name or address to connect to', examples: ['127.0.0.1'] }),
      port: numeric(z.number().int().min(1).max(65535)).meta({ description: 'TCP port' }),
    }),
  expects: ['latency', 'connects'],
});
