// The floor of the minimal run: what any tool must do for it, and nothing else. Node starts, sends one
// http probe, pauses the container through the Engine API, holds 1 s, unpauses it and probes again.
// No file read, no validation, no ledger, no watchdog, no report.
//   node scripts/bench/run-floor.cjs PORT CONTAINER
const http = require('node:http');

const [port, container] = process.argv.slice(2);
const host = process.env.DOCKER_HOST ?? '';
const socketPath = host.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';

function send(options) {
  return new Promise((resolve, reject) => {
    const request = http.request(options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', reject);
    request.end();
  });
}

async function main() {
  const probe = () => send({ host: '127.0.0.1', port, path: '/' });
  const engine = (action) => send({ socketPath, method: 'POST', path: `/containers/${container}/${action}` });
  if ((await probe()) !== 200) throw new Error('the probe before did not pass');
  if ((await engine('pause')) !== 204) throw new Error('the pause was refused');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if ((await engine('unpause')) !== 204) throw new Error('the unpause was refused');
  if ((await probe()) !== 200) throw new Error('the probe after did not pass');
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
