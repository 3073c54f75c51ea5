/**
 * A separate process that takes container locks on request, for the lock race test. Each stdin line
 * `<round> <container id> <start at, epoch ms>` makes it wait until that instant (busy-waiting, so
 * every taker starts together) and try the lock; it answers `<round> won` or `<round> busy`.
 */
import { createInterface } from 'node:readline';
import { acquireLocks, ContainerBusyError } from '../../../src/safety/locks.js';

const [stateDir, name] = process.argv.slice(2) as [string, string];

createInterface({ input: process.stdin }).on('line', (line) => {
  const [round, id, startAt] = line.split(' ') as [string, string, string];
  while (Date.now() < Number(startAt)) {
    // spin: all takers leave this loop within the same millisecond
  }
  let answer: string;
  try {
    acquireLocks(stateDir, `${name}-${round}`, `${name}.yaml`, [{ id, name: id }]);
    answer = 'won';
  } catch (error) {
    answer = error instanceof ContainerBusyError ? 'busy' : `error ${(error as Error).message}`;
  }
  process.stdout.write(`${round} ${answer}\n`);
});
process.stdout.write('ready\n');
