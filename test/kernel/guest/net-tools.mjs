// Traffic tools for the kernel tests, run inside a network namespace of the user-mode-linux guest
// (`ip netns exec NS node net-tools.mjs ...`):
//
//   serve HOST --udp PORT[,PORT...] [--tcp PORT]
//       UDP echo servers (each datagram goes back to its sender unchanged) and a TCP sink that counts
//       what it receives and, when the sender closes its side, answers with the counts as JSON.
//       Prints "ready" once listening; runs until killed.
//   agent
//       Reads one JSON request per line on stdin ({id, op: 'udp-probe' | 'tcp-bulk', ...}) and answers
//       each with one JSON line on stdout ({id, result} or {id, error}), until stdin closes.
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const MAGIC = 0x464c5031; // "FLP1"
const HEADER = 12; // magic, run, sequence number

function option(args, name) {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function serve(args) {
  const host = args[0];
  const udpPorts = (option(args, '--udp') ?? '').split(',').filter(Boolean).map(Number);
  const tcpPort = option(args, '--tcp');
  for (const port of udpPorts) {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address));
    await new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, resolve);
    });
  }
  if (tcpPort) {
    const server = net.createServer((socket) => {
      const watch = watchFreezes();
      let bytes = 0;
      let first;
      let last;
      socket.on('data', (chunk) => {
        const now = performance.now();
        first ??= now;
        bytes += chunk.length;
        last = now;
      });
      socket.on('end', () => {
        watch.stop();
        const ms = first === undefined ? 0 : last - first;
        const lostMs = first === undefined ? 0 : watch.lostMs(first, last);
        socket.end(JSON.stringify({ bytes, ms, lostMs, freezes: watch.summary() }));
      });
      socket.on('error', () => watch.stop());
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(tcpPort), host, resolve);
    });
  }
  process.stdout.write('ready\n');
}

function fill(buffer, run, sequence) {
  buffer.writeUInt32BE(MAGIC, 0);
  buffer.writeUInt32BE(run, 4);
  buffer.writeUInt32BE(sequence, 8);
  for (let i = HEADER; i < buffer.length; i++) buffer[i] = (sequence + i) & 0xff;
  return buffer;
}

function intact(buffer, sequence) {
  for (let i = HEADER; i < buffer.length; i++) if (buffer[i] !== ((sequence + i) & 0xff)) return false;
  return true;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const round = (value, digits = 3) => (value === null ? null : Number(value.toFixed(digits)));

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1);
  const variance = sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    min: round(sorted[0] ?? null),
    p10: round(quantile(sorted, 0.1)),
    p25: round(quantile(sorted, 0.25)),
    median: round(quantile(sorted, 0.5)),
    p75: round(quantile(sorted, 0.75)),
    p90: round(quantile(sorted, 0.9)),
    max: round(sorted.at(-1) ?? null),
    mean: round(mean),
    stdev: round(Math.sqrt(variance)),
  };
}

/**
 * On a busy host a process in the user-mode kernel can go tens or even hundreds of milliseconds without
 * running (the whole kernel is off the CPU, or busy with another process). A timer ticking every
 * HEARTBEAT_MS sees those stops as gaps; a round trip that overlaps one measures the host's load, not
 * the kernel's traffic control.
 */
const HEARTBEAT_MS = 2;
const FREEZE_MS = 8;

function watchFreezes() {
  const freezes = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > FREEZE_MS) freezes.push([last, now]);
    last = now;
  }, HEARTBEAT_MS);
  return {
    freezes,
    stop() {
      clearInterval(timer);
      const now = performance.now();
      if (now - last > FREEZE_MS) freezes.push([last, now]);
    },
    /** Whether the guest stopped between `from` and `to`. */
    overlaps(from, to) {
      return freezes.some(([begin, end]) => begin < to && end > from);
    },
    /** Time lost to stops, beyond the heartbeat's own interval. */
    lostMs(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY) {
      return freezes.reduce(
        (sum, [begin, end]) => sum + Math.max(0, Math.min(end, to) - Math.max(begin, from) - HEARTBEAT_MS),
        0,
      );
    },
    summary() {
      const lengths = freezes.map(([begin, end]) => end - begin);
      return {
        count: lengths.length,
        totalMs: round(
          lengths.reduce((sum, n) => sum + n, 0),
          1,
        ),
        maxMs: round(lengths.length ? Math.max(...lengths) : 0, 1),
      };
    },
  };
}

/**
 * Sends `count` numbered datagrams of `size` bytes to an echo server, one every `intervalMs`, and
 * records each one's replies: round trip of the first, how many came back, the order they came in,
 * and whether any came back altered. Round trips during which the guest stopped are kept, but also
 * left out of a second summary (`rttSteady`).
 */
async function udpProbe({ host, port, count, intervalMs, size = 64, drainMs = 500 }) {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, resolve));
  const run = Math.floor(Math.random() * 0xffffffff);
  const sentAt = new Array(count).fill(0);
  const replies = new Array(count).fill(0);
  const rtts = new Array(count).fill(null);
  let altered = 0;
  let foreign = 0;
  let reordered = 0;
  let highest = -1;
  socket.on('message', (message) => {
    const now = performance.now();
    if (message.length < HEADER || message.readUInt32BE(0) !== MAGIC || message.readUInt32BE(4) !== run) {
      foreign++;
      return;
    }
    const sequence = message.readUInt32BE(8);
    if (sequence >= count || message.length !== size || !intact(message, sequence)) {
      altered++;
      return;
    }
    replies[sequence]++;
    if (replies[sequence] > 1) return;
    rtts[sequence] = now - sentAt[sequence];
    if (sequence < highest) reordered++;
    highest = Math.max(highest, sequence);
  });
  const watch = watchFreezes();
  const start = performance.now();
  for (let sequence = 0; sequence < count; sequence++) {
    const wait = start + sequence * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt[sequence] = performance.now();
    socket.send(fill(Buffer.alloc(size), run, sequence), port, host);
  }
  const sending = performance.now() - start;
  await sleep(drainMs);
  watch.stop();
  socket.close();
  const received = replies.filter((n) => n > 0).length;
  const answered = rtts.filter((rtt) => rtt !== null);
  const disturbed = [];
  const steady = [];
  rtts.forEach((rtt, sequence) => {
    if (rtt === null) return;
    if (watch.overlaps(sentAt[sequence] - FREEZE_MS, sentAt[sequence] + rtt)) disturbed.push(sequence);
    else steady.push(rtt);
  });
  return {
    host,
    port,
    size,
    intervalMs,
    sent: count,
    sendingMs: round(sending, 1),
    received,
    lost: count - received,
    lossRate: round((count - received) / count, 4),
    duplicatedIds: replies.filter((n) => n > 1).length,
    extraReplies: replies.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
    reordered,
    altered,
    foreign,
    rtt: summarize(answered),
    rttSteady: summarize(steady),
    steadyShare: round(answered.length ? steady.length / answered.length : 0, 3),
    freezes: watch.summary(),
    rtts: rtts.map((rtt) => (rtt === null ? null : round(rtt, 2))),
    disturbed,
  };
}

/** Sends `bytes` to the TCP sink as fast as TCP allows; the sink's counts give the rate that arrived. */
async function tcpBulk({ host, port, bytes, timeoutMs = 30_000 }) {
  const started = performance.now();
  const socket = net.connect({ host, port });
  const answer = [];
  const done = new Promise((resolve, reject) => {
    socket.on('data', (chunk) => answer.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(answer).toString()));
    socket.on('error', reject);
  });
  const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let left = bytes;
  while (left > 0) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  try {
    const sink = JSON.parse(await done);
    return {
      host,
      port,
      bytes,
      received: sink.bytes,
      // At the receiver, from the first byte to the last. The kernel keeps moving data while the sink
      // process waits for the CPU, so the sink's own stops (stalledMs) do not slow the transfer.
      ms: round(sink.ms, 1),
      bitsPerSecond: sink.ms > 0 ? Math.round((sink.bytes * 8 * 1000) / sink.ms) : null,
      stalledMs: round(sink.lostMs, 1),
      stalls: sink.freezes,
      totalMs: round(performance.now() - started, 1),
    };
  } finally {
    clearTimeout(timer);
  }
}

const operations = { 'udp-probe': udpProbe, 'tcp-bulk': tcpBulk };

async function agent() {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { id, op, ...request } = JSON.parse(line);
    let answer;
    try {
      const operation = operations[op];
      if (!operation) throw new Error(`unknown operation ${op}`);
      answer = { id, result: await operation(request) };
    } catch (error) {
      answer = { id, error: String(error?.stack ?? error) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'serve') await serve(rest);
else if (command === 'agent') await agent();
else {
  process.stderr.write('usage: net-tools.mjs serve HOST --udp PORT[,PORT] [--tcp PORT] | agent\n');
  process.exitCode = 2;
}
