import path from 'node:path';
import { composeDefault, translateComposeValue } from './compose-value.js';

/**
 * The compose project name, as docker compose derives it: the file's `name:`, else the name of the
 * folder holding the file, lower-cased, with every character but a-z, 0-9, _ and - dropped.
 */
export interface ProjectName {
  /** As written in scope.compose: a name, or `${env:VAR:-name}` when `name:` reads a variable. */
  text: string;
  /** The name when no variable is set, for titles and file names. */
  plain: string;
  from: 'name' | 'folder';
}

export function projectName(name: unknown, composeFile: string): ProjectName | undefined {
  if (typeof name === 'string' && name.trim() !== '') {
    const translated = translateComposeValue(name);
    const plain = composeDefault(name);
    if ('text' in translated && plain)
      return { text: translated.text, plain: normalize(plain), from: 'name' };
  }
  const folder = normalize(path.basename(path.dirname(path.resolve(composeFile))));
  return folder ? { text: folder, plain: folder, from: 'folder' } : undefined;
}

export function normalize(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-_a-z0-9]+/g, '')
    .replace(/^[-_]+/, '');
}
