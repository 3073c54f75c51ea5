#!/usr/bin/env node
/**
 * The fault proxy: `node main.js <config.json>` (or `node main.js --config-json '<json>'`, for a
 * container that has no file of it) binds every listener of the configuration, prints one
 * JSON event per line on stdout (`ready` first), and runs until SIGTERM or SIGINT: then it refuses new
 * connections, lets open ones drain for up to `drainMs`, closes the rest, prints `drained` and exits 0.
 * A configuration it cannot read exits 2, a listener it cannot bind exits 1 (each after an `error`
 * event). It uses node built-ins only, so this folder can be copied alone into an image.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from './config.js';
import { jsonLineSink } from './events.js';
import { FaultProxy } from './proxy.js';
import type { ProxyConfig } from './types.js';

const sink = jsonLineSink((line) => process.stdout.write(line));

function fail(message: string, code: number): never {
  sink({ event: 'error', message });
  process.exit(code);
}

function readConfig(args: readonly string[]): ProxyConfig {
  const [first, second] = args;
  if (!first) fail('usage: main.js <config.json> | main.js --config-json <json>', 2);
  const inline = first === '--config-json';
  const where = inline ? '--config-json' : first;
  try {
    return parseConfig(inline ? (second ?? '') : readFileSync(first, 'utf8'));
  } catch (error) {
    if (error instanceof ConfigError) fail(`${where}: ${error.message}`, 2);
    fail(`${where}: cannot read it: ${(error as Error).message}`, 2);
  }
}

async function main(): Promise<void> {
  const proxy = new FaultProxy(readConfig(process.argv.slice(2)), sink);
  const stop = () => void proxy.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await proxy.start();
  } catch (error) {
    fail(`cannot listen: ${(error as Error).message}`, 1);
  }
}

void main();
