import type net from 'node:net';
import { sleep } from '../connection.js';
import { jittered, type Random } from '../prng.js';
import type { TcpToxic } from '../types.js';

/** The toxics that shape one direction of a connection. */
export interface DirectionToxics {
  latency?: { ms: number; jitterMs?: number | undefined } | undefined;
  bytesPerSecond?: number | undefined;
  limitBytes?: number | undefined;
  slicer?: { averageBytes: number; variationBytes?: number | undefined; delayUs: number } | undefined;
  slowCloseMs?: number | undefined;
}

/** Sorts a listener's toxics into the two directions ('upstream' is client to server, as Toxiproxy has it). */
export function toxicsFor(toxics: TcpToxic[], direction: 'upstream' | 'downstream'): DirectionToxics {
  const mine = toxics.filter(
    (toxic) => !('direction' in toxic) || toxic.direction === direction || toxic.direction === 'both',
  );
  const shaped: DirectionToxics = {};
  for (const toxic of mine) {
    if (toxic.type === 'latency') shaped.latency = toxic;
    else if (toxic.type === 'bandwidth') shaped.bytesPerSecond = toxic.bytesPerSecond;
    else if (toxic.type === 'limit-data') shaped.limitBytes = toxic.bytes;
    else if (toxic.type === 'slicer') shaped.slicer = toxic;
    else if (toxic.type === 'slow-close') shaped.slowCloseMs = toxic.ms;
  }
  return shaped;
}

const HIGH_WATER = 1024 * 1024;

/**
 * One direction of a toxic connection: chunks are delivered in order, each held until its arrival time
 * plus the latency, cut into slices, paced to the bandwidth, and cut off at the data limit. The source is
 * paused while more than 1 MiB waits, so memory stays bounded.
 */
export class ToxicPipe {
  readonly #queue: { bytes: Buffer; at: number }[] = [];
  #queued = 0;
  #running = false;
  #ended = false;
  #passed = 0;
  #nextFree = 0;
  #dead = false;

  constructor(
    private readonly source: net.Socket,
    private readonly dest: net.Socket,
    private readonly toxics: DirectionToxics,
    private readonly random: Random,
    private readonly onLimit: () => void,
  ) {}

  push(bytes: Buffer): void {
    this.#queue.push({ bytes, at: performance.now() });
    this.#queued += bytes.length;
    if (this.#queued > HIGH_WATER) this.source.pause();
    if (!this.#running) void this.#run();
  }

  end(): void {
    this.#ended = true;
    if (!this.#running) void this.#run();
  }

  stop(): void {
    this.#dead = true;
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0 && !this.#dead) {
      const item = this.#queue.shift()!;
      this.#queued -= item.bytes.length;
      if (this.#queued <= HIGH_WATER / 2) this.source.resume();
      await this.#deliver(item);
    }
    this.#running = false;
    if (this.#ended && !this.#dead && this.#queue.length === 0) {
      this.#dead = true;
      await sleep(this.toxics.slowCloseMs ?? 0);
      this.dest.end();
    }
  }

  async #deliver(item: { bytes: Buffer; at: number }): Promise<void> {
    const { latency, slicer, bytesPerSecond, limitBytes } = this.toxics;
    if (latency)
      await sleep(item.at + jittered(this.random, latency.ms, latency.jitterMs) - performance.now());
    const slices = slicer ? this.#slice(item.bytes) : [item.bytes];
    for (const [index, slice] of slices.entries()) {
      if (this.#dead) return;
      if (slicer && index > 0) await sleep(slicer.delayUs / 1000);
      for (const piece of bytesPerSecond
        ? pieces(slice, Math.max(1, Math.floor(bytesPerSecond / 20)))
        : [slice]) {
        if (bytesPerSecond) await this.#pace(piece.length, bytesPerSecond);
        if (limitBytes !== undefined && this.#passed + piece.length >= limitBytes) {
          this.dest.write(piece.subarray(0, limitBytes - this.#passed));
          this.#dead = true;
          this.onLimit();
          return;
        }
        this.#passed += piece.length;
        if (!this.dest.write(piece)) await new Promise((resolve) => this.dest.once('drain', resolve));
      }
    }
  }

  async #pace(length: number, rate: number): Promise<void> {
    const now = performance.now();
    if (this.#nextFree > now) await sleep(this.#nextFree - now);
    this.#nextFree = Math.max(now, this.#nextFree) + (length * 1000) / rate;
  }

  #slice(bytes: Buffer): Buffer[] {
    const { averageBytes, variationBytes = 0 } = this.toxics.slicer!;
    const slices: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; ) {
      const size = Math.max(1, Math.round(averageBytes + (this.random() * 2 - 1) * variationBytes));
      slices.push(bytes.subarray(offset, offset + size));
      offset += size;
    }
    return slices;
  }
}

function pieces(bytes: Buffer, size: number): Buffer[] {
  if (bytes.length <= size) return [bytes];
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}
