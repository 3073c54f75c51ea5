import http from 'node:http';
import Docker from 'dockerode';
import { sshArgv, sshDestination } from './ssh-command.js';
import { SshSocket } from './ssh-socket.js';

export interface SshAgentOptions {
  /** The ssh program; `ssh` from PATH by default. */
  sshCommand?: string;
  /** The environment ssh runs in (PATH, SSH_AUTH_SOCK for ssh-agent); this process's by default. */
  env?: NodeJS.ProcessEnv;
  /** How long an unused connection (one ssh process) is kept for the next request; 30 s by default. */
  idleMs?: number;
}

/**
 * At most this many ssh processes at once; further requests wait for one. sshd's default MaxStartups
 * (10:30:100) starts dropping unauthenticated connections beyond 10, and many targets handled at once
 * would otherwise open one connection each. Hijacked exec sessions leave the pool and do not count.
 */
const MAX_CONNECTIONS = 8;

/**
 * An http.Agent that reaches the Docker Engine behind `ssh://[user@]host[:port]` as the docker CLI
 * does: each connection is an `ssh ... -- host docker system dial-stdio` process, so ~/.ssh/config,
 * keys, ssh-agent and known_hosts all apply. Connections are kept alive, so consecutive requests
 * share one ssh process. Throws SshEndpointError for a URL that is more than user, host and port.
 */
export function sshAgent(url: URL, options: SshAgentOptions = {}): http.Agent {
  const destination = sshDestination(url);
  const ssh = {
    command: options.sshCommand ?? 'ssh',
    argv: sshArgv(destination),
    env: options.env ?? process.env,
    destination,
  };
  const agent = new http.Agent({
    keepAlive: true,
    timeout: options.idleMs ?? 30_000,
    maxSockets: MAX_CONNECTIONS,
  });
  agent.createConnection = () => new SshSocket(ssh);
  return agent;
}

/** A dockerode whose every request, streams and hijacked exec sessions included, goes through sshAgent. */
export function dockerodeOverSsh(url: URL, options: SshAgentOptions = {}): Docker {
  // docker-modem hands `agent` to http.request; host and port only name the pool and the Host header.
  const config: Docker.DockerOptions & { agent: http.Agent } = {
    protocol: 'http',
    host: 'localhost',
    port: 80,
    agent: sshAgent(url, options),
  };
  return new Docker(config);
}
