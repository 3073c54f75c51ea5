import Docker from 'dockerode';

/** An Engine reached over ssh, through docker-modem's ssh transport (ssh-agent keys only). */
export function dockerodeOverSsh(url: URL): Docker {
  return new Docker({
    protocol: 'ssh',
    host: url.hostname,
    port: Number(url.port || 22),
    username: url.username || undefined,
    sshOptions: { agent: process.env.SSH_AUTH_SOCK },
  } as Docker.DockerOptions);
}
