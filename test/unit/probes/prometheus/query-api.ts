import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for a Prometheus query API on loopback: `answer` decides each request's response. */
export interface QueryApi {
  /** The server's base URL, http://127.0.0.1:<port>. */
  base: string;
  close(): Promise<void>;
}

export async function startQueryApi(
  answer: (url: URL, response: http.ServerResponse) => void,
): Promise<QueryApi> {
  const server = http.createServer((request, response) =>
    answer(new URL(request.url ?? '/', 'http://x'), response),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
