import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny key-value store on 127.0.0.1 for the workload probe's tests, with switches that make it
 * misbehave in known ways. `PUT /kv/<id>` stores the id; `GET /kv?after=<n>` lists the stored values,
 * `pageSize` at a time, as `{ values, next }` (`next` null on the last page). Which write misbehaves is
 * decided by the number at the end of its id, so a test knows exactly what to expect.
 */
export interface StoreSwitches {
  /** Acknowledged (201) but never stored. */
  drop?: (seq: number) => boolean;
  /** Stored twice, acknowledged once. */
  double?: (seq: number) => boolean;
  /** Answered `delayMs` late (past the client's timeout); stored when `delayStores` says so. */
  delay?: (seq: number) => boolean;
  delayStores?: (seq: number) => boolean;
  delayMs?: number;
  /** Answered 503 and not stored (checked first). */
  refuse?: (seq: number) => boolean;
  pageSize?: number;
  /** While true, every request (listing included) is answered 503 and nothing is stored. */
  down?: () => boolean;
}

export type StoreAction = 'stored' | 'dropped' | 'doubled' | 'delayed-stored' | 'delayed-dropped' | 'refused';

export interface KvStore {
  url: string;
  switches: StoreSwitches;
  values: string[];
  /** What the store did with each write, by id. */
  actions: Map<string, StoreAction>;
  pagesServed: number;
  /** Listings answered 503 while the store was down. */
  listingsRefused: number;
  close(): Promise<void>;
}

export async function startKvStore(switches: StoreSwitches = {}): Promise<KvStore> {
  const store = {
    switches,
    values: [] as string[],
    actions: new Map<string, StoreAction>(),
    pagesServed: 0,
    listingsRefused: 0,
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://store');
    request.resume();
    request.on('end', () => {
      if (store.switches.down?.()) {
        if (request.method === 'GET') store.listingsRefused++;
        return void response.writeHead(503).end('down');
      }
      if (request.method === 'GET' && url.pathname === '/kv') return list(url, response);
      if (request.method === 'PUT' && url.pathname.startsWith('/kv/')) return write(url, response);
      response.writeHead(404).end('no such path');
    });
  });

  function list(url: URL, response: http.ServerResponse): void {
    store.pagesServed++;
    const after = Number(url.searchParams.get('after') ?? 0);
    const size = store.switches.pageSize ?? 100;
    const page = store.values.slice(after, after + size);
    const next = after + size < store.values.length ? String(after + size) : null;
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ values: page, next }));
  }

  function write(url: URL, response: http.ServerResponse): void {
    const id = decodeURIComponent(url.pathname.slice('/kv/'.length));
    const seq = Number(/-(\d+)$/.exec(id)?.[1] ?? -1);
    const s = store.switches;
    const act = (action: StoreAction, copies: number): void => {
      store.actions.set(id, action);
      for (let n = 0; n < copies; n++) store.values.push(id);
    };
    if (s.refuse?.(seq)) {
      act('refused', 0);
      response.writeHead(503).end('read-only: failing over');
    } else if (s.delay?.(seq)) {
      const stores = s.delayStores?.(seq) ?? true;
      act(stores ? 'delayed-stored' : 'delayed-dropped', stores ? 1 : 0);
      setTimeout(() => response.writeHead(201).end('stored late'), s.delayMs ?? 1000);
    } else if (s.drop?.(seq)) {
      act('dropped', 0);
      response.writeHead(201).end('stored');
    } else if (s.double?.(seq)) {
      act('doubled', 2);
      response.writeHead(201).end('stored');
    } else {
      act('stored', 1);
      response.writeHead(201).end('stored');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(store, {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
