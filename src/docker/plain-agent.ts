import http from 'node:http';

interface AgentInternals {
  addRequest(request: http.ClientRequest, options: { servername?: string }): void;
}

/**
 * The http.Agent of an Engine reached without TLS (a unix socket, a named pipe, plain tcp): Node's global
 * agent's settings (keep-alive, LIFO, idle sockets closed after 5 s), and requests that name no TLS
 * server. Node works that name out for every request through an agent, TLS or not, from the Host
 * header (`localhost` for a socket): testing it for an IP address compiles net.isIP's IPv6 expression,
 * several milliseconds on a run's first Engine calls, for a name plain HTTP never uses.
 */
export function plainHttpAgent(): http.Agent {
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
  const internals = agent as unknown as AgentInternals;
  const addRequest = internals.addRequest.bind(agent);
  internals.addRequest = (request, options) => {
    options.servername ??= '';
    addRequest(request, options);
  };
  return agent;
}
