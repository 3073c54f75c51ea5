import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { experimentJsonSchema } from '../experiment/json-schema.js';
import { parseExperiment } from '../experiment/load.js';
import { readComposeFile } from './compose-file.js';
import { projectName } from './project-name.js';
import { renderExperiment, SCHEMA_FILE, safeService } from './render.js';
import { type ComposeFacts, composeFacts } from './services.js';

/** What `faultline init` wrote (or left as it was), and what it could not carry over. */
export interface StarterResult {
  experiment: string;
  schema: string;
  /** Files whose content was already what init would write. */
  unchanged: string[];
  project: ReturnType<typeof projectName> & object;
  facts: ComposeFacts;
  faulted: string;
}

/**
 * Reads the compose file, renders the starter experiment and its JSON Schema, checks the experiment
 * validates, and writes both into `out`. An existing file with other content is left alone unless
 * `force`.
 */
export async function writeStarter(composeFile: string, out: string, force: boolean): Promise<StarterResult> {
  const compose = await readComposeFile(composeFile);
  const project = projectName(compose.name, composeFile);
  if (!project) {
    throw new InvalidInputError(
      'COMPOSE_INVALID',
      `${composeFile}: no project name (no \`name:\`, and the folder's name has no letter or digit)`,
      {
        hint: 'Add `name: my-project` at the top of the compose file.',
      },
    );
  }
  const facts = composeFacts(compose);
  const text = renderExperiment(facts, project, path.basename(composeFile));
  const experiment = path.join(out, `${project.plain}.yaml`);
  // A starter that does not validate would be a bug here, never the user's to fix.
  parseExperiment(text, experiment, {});
  const schema = path.join(out, SCHEMA_FILE);
  const files: [string, string][] = [
    [experiment, text],
    [schema, `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`],
  ];
  const unchanged: string[] = [];
  for (const [file, content] of files) {
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing === content) unchanged.push(file);
    else if (existing !== undefined && !force) {
      throw new InvalidInputError('INIT_FILE_EXISTS', `${file} exists; faultline init leaves it as it is`, {
        hint: 'Pass --force to replace it, or --out DIR to write somewhere else.',
      });
    }
  }
  try {
    await mkdir(out, { recursive: true });
    for (const [file, content] of files) if (!unchanged.includes(file)) await writeFile(file, content);
  } catch (error) {
    throw new InvalidInputError('BAD_OPTION', `cannot write into ${out}: ${(error as Error).message}`, {
      hint: 'Give --out a folder you can write to.',
      cause: error,
    });
  }
  return { experiment, schema, unchanged, project, facts, faulted: safeService(facts.services).name };
}
