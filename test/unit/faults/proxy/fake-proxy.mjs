// A stand-in for the fault proxy: reads its configuration, says ready with every listener, and
// drains on SIGTERM. FAKE_PROXY_MODE=crash exits at once, silent never says ready, partial binds
// only the first listener.
import { readFileSync } from 'node:fs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const mode = process.env.FAKE_PROXY_MODE ?? 'ok';
if (mode === 'crash') {
  console.error('cannot bind: address in use');
  process.exit(3);
}
const listeners = config.listeners.map((listener) => ({ id: listener.id, port: listener.listen.port }));
if (mode !== 'silent') {
  const bound = mode === 'partial' ? listeners.slice(0, 1) : listeners;
  console.log(JSON.stringify({ event: 'ready', pid: process.pid, listeners: bound }));
}
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ event: 'drained', closed: 0 }));
  process.exit(0);
});
setInterval(() => {}, 1000);
