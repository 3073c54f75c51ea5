import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DockerClient, HelperSpec } from '../../docker/client.js';
import {
  FAULTLINE_FAULT_ID,
  FAULTLINE_HELPER,
  FAULTLINE_RUN_ID,
  FAULTLINE_TARGET_ID,
} from '../../docker/labels.js';
import type { Target } from '../../targets/target.js';
import { sleep } from '../../util/sleep.js';
import { type AgentOp, type AgentReply, REPLY_MARK } from './agent.js';
import { DiskFillError } from './errors.js';

/**
 * The helper way's disk helpers: one short-lived container per operation (locate, fill, remove,
 * scan), from the helper image (it carries node), sharing the target's process namespace
 * (`--pid container:<target>`, with SYS_PTRACE to read /proc/1/root of a process of another user),
 * with no network. It runs the built agent (agent.ts and the modules it imports, node built-ins only),
 * handed to it as an argument: nothing is written on the Docker host and no registry is needed.
 */

/** The built modules the agent needs, all in this folder (the same path from dist/ and from src/). */
const PROGRAM_DIR = fileURLToPath(new URL('../../../dist/faults/disk/', import.meta.url));
const PROGRAM = ['agent.js', 'errors.js', 'fill.js', 'find.js', 'locate.js', 'mounts.js', 'remove.js'];

/** Writes the modules handed to it into the helper's own /tmp and runs the agent's main. */
const LOADER = [
  "import { mkdirSync, writeFileSync } from 'node:fs';",
  "const dir = '/tmp/faultline-disk';",
  'mkdirSync(dir, { recursive: true });',
  'writeFileSync(`${dir}/package.json`, \'{"type":"module"}\');',
  'for (const [name, text] of Object.entries(JSON.parse(process.argv[1]))) writeFileSync(`${dir}/${name}`, text);',
  'const { main } = await import(`${dir}/agent.js`);',
  'await main(process.argv[2]);',
].join('\n');

let program: Promise<string> | undefined;

function programText(): Promise<string> {
  program ??= Promise.all(
    PROGRAM.map(async (name) => [name, await readFile(`${PROGRAM_DIR}${name}`, 'utf8')] as const),
  ).then(
    (files) => JSON.stringify(Object.fromEntries(files)),
    (error: unknown) => {
      program = undefined;
      throw new DiskFillError(
        `the disk helper's program is missing (${PROGRAM_DIR}): ${(error as Error).message}; reinstall faultline, or run \`npm run build\` in a checkout`,
      );
    },
  );
  return program;
}

/** Who a disk helper works for: its image, its target and the run and fault it is labelled with. */
export interface DiskHelper {
  docker: DockerClient;
  image: string;
  target: Target;
  runId: string;
  faultId: string;
}

/** The fill helper's name: the recipe records it, so an undo stops a fill still being written. */
export function fillHelperName(runId: string, faultId: string): string {
  return `faultline-disk-${runId}-${faultId}`;
}

/** How a person would run the same helper by hand (what `plan` prints for the helper way). */
export function helperCommand(image: string, target: Target, what: string): string {
  return `docker run --rm --pid container:${target.name} --cap-add SYS_PTRACE --network none ${image} ${what}`;
}

const TIMEOUT_MS: Record<AgentOp['op'], number> = {
  locate: 60_000,
  fill: 15 * 60_000,
  remove: 60_000,
  scan: 5 * 60_000,
};

export function helperSpec(helper: DiskHelper, op: AgentOp, name: string, files: string): HelperSpec {
  return {
    image: helper.image,
    name,
    cmd: ['node', '--input-type=module', '-e', LOADER, files, JSON.stringify(op)],
    networkMode: 'none',
    capAdd: ['SYS_PTRACE'],
    pidMode: `container:${helper.target.id}`,
    labels: {
      [FAULTLINE_HELPER]: '1',
      [FAULTLINE_RUN_ID]: helper.runId,
      [FAULTLINE_FAULT_ID]: helper.faultId,
      [FAULTLINE_TARGET_ID]: helper.target.id,
    },
  };
}

/** An error the agent reported: a disk error as a DiskFillError, a file-system one with its errno code. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const lastLines = (text: string) => text.trim().split('\n').slice(-5).join(' | ') || 'no output';

/** The agent's reply in a helper's output, or undefined when it printed none. */
export function replyOf(text: string): AgentReply | undefined {
  const line = text.split('\n').find((each) => each.startsWith(REPLY_MARK));
  return line ? (JSON.parse(line.slice(REPLY_MARK.length)) as AgentReply) : undefined;
}

/**
 * Runs one operation in a new helper and returns its value; the helper is removed whatever happens.
 * The fill helper has the name the recipe recorded; the others a name of their own.
 */
export async function runAgent(helper: DiskHelper, op: AgentOp): Promise<unknown> {
  const { docker } = helper;
  const name =
    op.op === 'fill'
      ? fillHelperName(helper.runId, helper.faultId)
      : `${fillHelperName(helper.runId, helper.faultId)}-${op.op}-${randomBytes(3).toString('hex')}`;
  const spec = helperSpec(helper, op, name, await programText());
  const failed = (why: string) =>
    new DiskFillError(
      `the disk helper ${name} (${helper.image}) ${why}: rebuild the helper image with \`faultline helper-image\` (it carries node), or run faultline as root on the Docker host with --via nsenter`,
    );
  let id: string;
  try {
    id = await docker.runHelper(spec);
  } catch (error) {
    throw failed(`did not start: ${(error as Error).message}`);
  }
  try {
    const deadline = Date.now() + TIMEOUT_MS[op.op];
    let details = await docker.inspect(id);
    while (details.running) {
      if (Date.now() > deadline) throw failed(`did not finish within ${TIMEOUT_MS[op.op] / 1000}s`);
      await sleep(50);
      details = await docker.inspect(id);
    }
    const text = await docker.logs(id);
    const reply = replyOf(text);
    if (!reply)
      throw failed(`ended (exit ${details.exitCode ?? 'unknown'}) without a reply: ${lastLines(text)}`);
    if (reply.ok) return reply.value;
    throw reply.disk ? new DiskFillError(reply.message) : new AgentError(reply.message, reply.code);
  } finally {
    await docker.remove(id).catch(() => undefined);
  }
}
