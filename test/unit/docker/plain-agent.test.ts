import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerodeFor } from '../../../src/docker/dockerode-connection.js';

/**
 * An Engine reached without TLS gets its requests through faultline's own http.Agent (plain-agent.ts):
 * the calls still arrive, over the socket or tcp the endpoint names, and one connection carries
 * consecutive calls, as Node's global agent would.
 */
let dir: string;
let server: http.Server;
let connections: number;
let hosts: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-plain-agent-'));
  connections = 0;
  hosts = [];
  server = http.createServer((request, response) => {
    hosts.push(request.headers.host ?? '');
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('OK');
  });
  server.on('connection', () => {
    connections += 1;
  });
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('an Engine reached without TLS', () => {
  it('over a unix socket: consecutive calls arrive on one connection', async () => {
    const socket = path.join(dir, 'docker.sock');
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const docker = dockerodeFor({ host: `unix://${socket}`, source: '--host' });
    expect(String(await docker.ping())).toBe('OK');
    expect(String(await docker.ping())).toBe('OK');
    expect(hosts).toHaveLength(2);
    expect(connections).toBe(1);
  });

  it('over plain tcp: calls arrive at the host and port named, on one connection', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const docker = dockerodeFor({ host: `tcp://127.0.0.1:${port}`, source: '--host' });
    expect(String(await docker.ping())).toBe('OK');
    expect(String(await docker.ping())).toBe('OK');
    expect(hosts).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    expect(connections).toBe(1);
  });
});
