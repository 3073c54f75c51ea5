import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentJsonSchema } from '../../src/experiment/json-schema.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { STEP_DOCS } from '../../src/experiment/step-descriptions.js';
import { type CompletionItem, type Diagnostic, LspClient } from './support/lsp-client.js';

/**
 * The generated schema as an editor uses it: the real yaml-language-server (what VS Code's YAML
 * extension runs), spoken to over LSP, with documents tied to the schema by their modeline.
 */

const REPO = path.resolve(import.meta.dirname, '../..');
const PROPERTY = 10; // CompletionItemKind.Property
type Json = Record<string, unknown>;

const schema = experimentJsonSchema();
const dir = mkdtempSync(path.join(tmpdir(), 'faultline-editor-'));
const schemaFile = path.join(dir, 'faultline.schema.json');
const MODELINE = `# yaml-language-server: $schema=${pathToFileURL(schemaFile).href}\n`;
let server: LspClient;
let count = 0;

/** Opens `text` (after the modeline) as a new document and returns its URI. */
function open(text: string, at = dir): string {
  const uri = pathToFileURL(path.join(at, `document-${++count}.yaml`)).href;
  server.open(uri, at === dir ? MODELINE + text : text);
  return uri;
}

/** Completion at the end of the line that holds `marker` (the marker is removed; lines after the modeline). */
async function completeAt(text: string): Promise<CompletionItem[]> {
  const lines = text.split('\n');
  const line = lines.findIndex((candidate) => candidate.includes('|'));
  const character = lines[line]!.indexOf('|');
  const uri = open(text.replace('|', ''));
  return server.completion(uri, line + 1, character);
}

const labels = (items: CompletionItem[]) => items.map((item) => item.label).sort();
const properties = (items: CompletionItem[]) => labels(items.filter((item) => item.kind === PROPERTY));
const documentation = (item: CompletionItem | undefined) =>
  typeof item?.documentation === 'string' ? item.documentation : (item?.documentation?.value ?? '');
const show = (diagnostics: Diagnostic[]) =>
  diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);

const HEAD = 'title: t\nhypothesis:\n  - name: p\n    command: [node, --version]\n';

beforeAll(async () => {
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
  server = new LspClient();
  await server.start(pathToFileURL(REPO).href);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('yaml-language-server with the experiment schema', () => {
  it('completes the top-level keys not yet written', async () => {
    const items = await completeAt('title: t\n|\n');
    const keys = Object.keys(schema.properties as Json).filter((key) => key !== 'title');
    expect(properties(items)).toEqual([...keys].sort());
    expect(documentation(items.find((item) => item.label === 'hypothesis'))).toMatch(/steady state/);
  });

  it('completes a method step with the step names and their descriptions, nothing else', async () => {
    const items = await completeAt(`${HEAD}method:\n  - |\n`);
    const kinds = Object.keys(STEP_DOCS).sort();
    expect(labels(items)).toEqual(kinds);
    expect(items.filter((item) => item.label.startsWith('object('))).toEqual([]);
    for (const kind of ['pause', 'delay', 'wait', 'parallel']) {
      const item = items.find((candidate) => candidate.label === kind);
      expect(documentation(item), kind).toContain(STEP_DOCS[kind]!.description);
    }
  });

  it('completes a step inside a parallel group the same way', async () => {
    const items = await completeAt(`${HEAD}method:\n  - parallel:\n      - |\n`);
    expect(labels(items)).toEqual(Object.keys(STEP_DOCS).sort());
  });

  it("completes a fault's fields", async () => {
    const items = await completeAt(`${HEAD}method:\n  - delay:\n      |\n`);
    const delay = ((schema.definitions as Record<string, Json>).step!.properties as Record<string, Json>)
      .delay!;
    expect(properties(items)).toEqual(Object.keys(delay.properties as Json).sort());
    expect(properties(items)).toEqual(expect.arrayContaining(['target', 'latency', 'jitter', 'duration']));
    expect(documentation(items.find((item) => item.label === 'latency'))).toMatch(/Delay added/);
  });

  it('completes the fields of a hypothesis probe', async () => {
    const items = await completeAt('title: t\nhypothesis:\n  - name: p\n    |\n');
    expect(properties(items)).toEqual(
      expect.arrayContaining(['http', 'tcp', 'exec', 'command', 'expect', 'every', 'timeout', 'retries']),
    );
  });

  it("shows a step's description on hover", async () => {
    const uri = open(`${HEAD}method:\n  - pause:\n      target: { service: api }\n`);
    const hover = await server.hover(uri, 6, 5);
    expect(hover).toContain(STEP_DOCS.pause!.description);
  });

  it("shows a field's description and example on hover, also when its value is a ${variable}", async () => {
    const uri = open(
      `${HEAD}method:\n  - delay:\n      target: { service: api }\n      latency: \${env:LATENCY}\n`,
    );
    const hover = await server.hover(uri, 8, 8);
    expect(hover).toContain('Delay added to each packet');
    expect(hover).toMatch(/Example[\s\S]*200ms/);
  });

  it('offers the default of a field as its value', async () => {
    const items = await completeAt('title: t\nhypothesis:\n  - name: p\n    timeout: |\n');
    expect(labels(items)).toContain('5s');
  });

  it('reports a typo in a top-level key and in a step kind', async () => {
    const uri = open(`${HEAD}timeuot: 5m\nmethod:\n  - pasue:\n      target: { service: api }\n`);
    const diagnostics = show(await server.diagnosticsFor(uri));
    expect(diagnostics).toContainEqual(expect.stringMatching(/^6:1 .*timeuot/));
    expect(diagnostics).toContainEqual(expect.stringMatching(/^8:5 .*pasue/));
  });

  it('accepts ${...} wherever the CLI substitutes: durations, numbers, rates, enums', async () => {
    const text = [
      'title: variables',
      'vars:',
      '  every: 250ms',
      '  count: 2',
      'hypothesis:',
      '  - name: p',
      '    command: [node, --version]',
      '    every: ${every}',
      '    timeout: ${env:PROBE_TIMEOUT:-2s}',
      '    retries: ${env:RETRIES:-1}',
      'method:',
      '  - delay:',
      '      target: { service: api, count: "${count}" }',
      '      latency: ${env:LATENCY:-200ms}',
      '      protocol: ${env:PROTOCOL:-tcp}',
      '      duration: ${env:HOLD:-5}s',
      '  - bandwidth: { target: { service: api }, rate: "${env:RATE:-1mbit}" }',
      '  - wait: ${env:WAIT:-1s}',
      'recovery: ${every}',
      '',
    ].join('\n');
    expect(show(await server.diagnosticsFor(open(text)))).toEqual([]);
    // The CLI takes it too (so the editor is not more lenient than faultline).
    expect(() => parseExperiment(text, 'variables.yaml', {})).not.toThrow();
  });

  it('still reports a wrong duration that holds no variable', async () => {
    const uri = open(`${HEAD}method:\n  - wait: 5 seconds\n`);
    expect(show(await server.diagnosticsFor(uri))).toContainEqual(expect.stringMatching(/^7:11 .*pattern/));
  });
});

describe('the example experiments in an editor', () => {
  const examples = path.join(REPO, 'experiments');
  const files = readdirSync(examples, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.yaml'))
    .sort();

  it('the committed schema their modelines point at is the generated one', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(JSON.parse(readFileSync(path.join(REPO, 'faultline.schema.json'), 'utf8'))).toEqual(schema);
  });

  it.each(files)('%s has no diagnostics', async (name) => {
    const file = path.join(examples, name);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*faultline\.schema\.json$/);
    const uri = pathToFileURL(file).href;
    server.open(uri, text);
    expect(show(await server.diagnosticsFor(uri))).toEqual([]);
  });

  it('their modeline does tie a document there to the schema (a typo next to them is reported)', async () => {
    const modeline = readFileSync(path.join(examples, files[0]!), 'utf8').split('\n')[0]!;
    const uri = open(
      `${modeline}\n${HEAD}method:\n  - wait: 1s\ntimeuot: 5m\n`,
      path.dirname(path.join(examples, files[0]!)),
    );
    expect(show(await server.diagnosticsFor(uri))).toContainEqual(expect.stringMatching(/timeuot/));
  });
});

describe('the schema for an installed faultline', () => {
  it('is in the npm package', () => {
    const listing = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    const files = (JSON.parse(listing) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path);
    expect(files).toContain('faultline.schema.json');
  });

  it('works from node_modules with the modeline the README gives, and with a $schema key', async () => {
    const project = path.join(dir, 'project');
    mkdirSync(path.join(project, 'node_modules', 'faultline'), { recursive: true });
    mkdirSync(path.join(project, 'chaos'));
    copyFileSync(schemaFile, path.join(project, 'node_modules', 'faultline', 'faultline.schema.json'));
    const chaos = path.join(project, 'chaos');
    const body = `${HEAD}method:\n  - pasue: { target: { service: api } }\n`;
    const modeline = open(
      `# yaml-language-server: $schema=../node_modules/faultline/faultline.schema.json\n${body}`,
      chaos,
    );
    const key = open(`$schema: ../node_modules/faultline/faultline.schema.json\n${body}`, chaos);
    for (const uri of [modeline, key]) {
      expect(show(await server.diagnosticsFor(uri)), uri).toContainEqual(expect.stringMatching(/pasue/));
    }
  });
});
