import { startKvStore } from './kv-store.js';

// A well-behaved store in a process of its own (`node --import tsx kv-store-main.ts`), so that a
// benchmark's writer does not share its event loop: sends { url } once listening, then { count } on
// the message "count", and ends when its parent disconnects.
const store = await startKvStore();
process.send?.({ url: store.url });
process.on('message', (message) => {
  if (message === 'count') process.send?.({ count: store.values.length });
});
process.on('disconnect', () => {
  void store.close().then(() => process.exit(0));
});
