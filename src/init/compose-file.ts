import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { clip } from '../experiment/problems.js';

/**
 * Finding and reading a compose file: YAML with compose's merge keys (<<), as `docker compose` reads
 * it. Version 1 files list services at the top level; later ones under `services:`.
 */

/** The names `docker compose` looks for, in its order. */
export const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** Larger than any compose file; refused before it is read. */
const MAX_BYTES = 4 * 1024 * 1024;

export interface ComposeFile {
  file: string;
  /** The top-level `name:` when there is one. */
  name: unknown;
  /** Each service's name and its definition as written (after merge keys). */
  services: [string, Record<string, unknown>][];
}

/** The compose file in `dir`, by docker compose's names; an error naming them when there is none. */
export async function findComposeFile(dir: string): Promise<string> {
  for (const name of COMPOSE_NAMES) {
    const file = path.join(dir, name);
    if ((await stat(file).catch(() => undefined))?.isFile()) return file;
  }
  throw new InvalidInputError(
    'COMPOSE_NOT_FOUND',
    `no compose file in ${dir} (looked for ${COMPOSE_NAMES.join(', ')})`,
    {
      hint: 'Run `faultline init` in the folder of your compose file, or name it: `faultline init --compose path/to/compose.yaml`.',
    },
  );
}

export async function readComposeFile(file: string): Promise<ComposeFile> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new InvalidInputError(
      'COMPOSE_NOT_FOUND',
      `${file}: ${info ? 'not a regular file' : 'no such file'}`,
      {
        hint: 'Check the path given to --compose.',
      },
    );
  }
  if (info.size > MAX_BYTES) throw composeInvalid(file, 'larger than 4 MiB; that is no compose file');
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new InvalidInputError('COMPOSE_NOT_FOUND', `${file}: cannot be read (${error.message})`, {
      hint: 'Check the file and its permissions.',
    });
  });
  return parseComposeText(text, file);
}

/** Parses compose YAML; every problem names file:line:column when the parser gives one. */
export function parseComposeText(text: string, file: string): ComposeFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, logLevel: 'silent' });
  const error = document.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw composeInvalid(
      `${file}:${line}:${col}`,
      `YAML syntax: ${clip(error.message.split('\n')[0] ?? '', 200)}`,
    );
  }
  if (!isMap(document.contents)) {
    throw composeInvalid(file, 'expected a mapping with services (a compose file), found no mapping');
  }
  let data: Record<string, unknown>;
  try {
    data = document.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  } catch {
    throw composeInvalid(file, 'YAML aliases expand to too much data');
  }
  // Version 1: services at the top level. Later: under `services:`.
  const listed = 'services' in data ? data.services : 'version' in data ? undefined : data;
  if (listed !== undefined && listed !== null && !isRecord(listed)) {
    const where = at(file, document, lineCounter, ['services']);
    throw composeInvalid(where, '`services` must be a mapping of service names to their definitions');
  }
  const services = Object.entries(listed ?? {}).filter(
    (entry): entry is [string, Record<string, unknown>] => !entry[0].startsWith('x-') && isRecord(entry[1]),
  );
  if (services.length === 0) {
    throw new InvalidInputError('COMPOSE_NO_SERVICES', `${file} defines no service`, {
      hint: 'Add a service under `services:` (each with an image or a build), then run `faultline init` again.',
    });
  }
  return { file, name: data.name, services };
}

function at(
  file: string,
  document: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  keyPath: string[],
): string {
  const node = document.getIn(keyPath, true) as { range?: [number, number, number] } | undefined;
  if (!node?.range) return file;
  const { line, col } = lines.linePos(node.range[0]);
  return `${file}:${line}:${col}`;
}

function composeInvalid(where: string, message: string): InvalidInputError {
  return new InvalidInputError('COMPOSE_INVALID', `${where}: ${message}`, {
    hint: 'Fix the compose file (`docker compose config` checks it), then run `faultline init` again.',
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
