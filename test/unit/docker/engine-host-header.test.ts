import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';

// An Engine on a unix socket is called with Host 127.0.0.1, an IP literal: Node then skips working
// out a TLS server name from `localhost` (and compiling its IPv6 expression) on the first call. An
// Engine over tcp still gets its own host name.

let dir: string;
let server: http.Server;
let hosts: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-engine-host-'));
  hosts = [];
  server = http.createServer((request, response) => {
    hosts.push(request.headers.host ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ApiVersion: '1.41', Version: '20.10.24' }));
  });
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

it('names the host 127.0.0.1 to an Engine on a unix socket, and the Engine answers', async () => {
  const socket = path.join(dir, 'docker.sock');
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const client = createDockerClient({ host: `unix://${socket}`, source: '--host' });
  await expect(client.ping()).resolves.toMatchObject({ apiVersion: '1.41', version: '20.10.24' });
  expect(hosts).toEqual(['127.0.0.1']);
});

it('names the Engine’s own host and port to an Engine over plain tcp', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = createDockerClient({ host: `tcp://localhost:${port}`, source: '--host' });
  await expect(client.ping()).resolves.toMatchObject({ apiVersion: '1.41' });
  expect(hosts).toEqual([`localhost:${port}`]);
});
