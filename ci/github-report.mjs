#!/usr/bin/env node
// Turns faultline's JSON report into what GitHub Actions shows: one collapsed group per experiment,
// an error annotation on the line of the experiment file that failed, and the job summary.
// Node built-ins only, so it runs before (or without) any install.
//
//   node ci/github-report.mjs --json reports/faultline.json [--markdown reports/faultline.md]
//                             [--exit-code N]
//
// The job summary is appended to $GITHUB_STEP_SUMMARY when that is set. This script always exits 0
// when it could read its arguments: the exit code of `faultline run` is the gate, not this.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A workflow command's message: only %, CR and LF are special. */
export function escapeData(text) {
  return String(text).replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A workflow command's property value: also the separators of the property list. */
export function escapeProperty(text) {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** `::error file=…,line=…,col=…,title=…::message`, leaving out properties that are not known. */
export function annotation(level, { file, line, col, title }, message) {
  const props = [
    file && `file=${escapeProperty(file)}`,
    line && `line=${line}`,
    line && col && `col=${col}`,
    title && `title=${escapeProperty(title)}`,
  ].filter(Boolean);
  return `::${level}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(message)}`;
}

/** The problems of an invalid file, each with its line and column when the message gives them. */
export function invalidProblems(file, message) {
  const problems = [];
  for (const raw of message.split('\n')) {
    const line = raw.trim();
    if (line === '' || (line.endsWith(':') && problems.length === 0 && !line.startsWith(`${file}:`)))
      continue;
    const rest = line.startsWith(`${file}:`) ? line.slice(file.length + 1) : undefined;
    const at = rest && /^(\d+)(?::(\d+))? (.*)$/.exec(rest);
    if (at) problems.push({ line: Number(at[1]), col: at[2] && Number(at[2]), text: at[3] });
    else if (problems.length > 0) problems[problems.length - 1].text += `\n${line}`;
    else problems.push({ text: line });
  }
  return problems.length > 0 ? problems : [{ text: message.trim() || 'not a valid experiment' }];
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The line of `name: <probe>` in the experiment's text (quoted or not), or undefined. */
export function probeLine(text, probe) {
  const name = new RegExp(`^\\s*(?:-\\s+)?name:\\s*(["']?)${escapeRegExp(probe)}\\1\\s*(?:#.*)?$`);
  const index = text.split('\n').findIndex((line) => name.test(line));
  return index < 0 ? undefined : index + 1;
}

/** The line where a step such as `method[2]` (or the top-level step of `method[1].parallel[0]`) starts. */
export function stepLine(text, step) {
  const at = /^(method|rollbacks)\[(\d+)\]/.exec(step);
  if (!at) return undefined;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^${at[1]}:\\s*(?:#.*)?$`).test(line));
  if (start < 0) return undefined;
  let indent;
  let seen = -1;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^\S/.test(line) && !line.startsWith('#')) return undefined;
    const item = /^(\s*)- /.exec(line);
    if (!item) continue;
    indent ??= item[1].length;
    if (item[1].length === indent && ++seen === Number(at[2])) return i + 1;
  }
  return undefined;
}

/** Where the problem of a run is, and what it is: one or more annotations. */
export function runAnnotations(run, source) {
  const file = run.file;
  const failedSteps = run.journal.filter((entry) => entry.type === 'step-end' && entry.status === 'failed');
  const missed = run.probes.filter((probe) => probe.status === 'fail' || probe.status === 'error');
  const out = [];
  const probeNote = (probe, title) =>
    annotation(
      'error',
      { file, line: source && probeLine(source, probe.probe), title },
      `${probe.probe} (${probe.phase}, ${probe.failures}/${probe.samples} samples did not pass): ${probe.reason}`,
    );
  switch (run.outcome) {
    case 'passed':
      return out;
    case 'deviated':
      for (const probe of missed) out.push(probeNote(probe, `faultline: deviated: ${probe.probe}`));
      break;
    case 'revert-failed':
      for (const fault of run.faults.filter((f) => f.status === 'failed' || f.status === 'active')) {
        const remedy = fault.remedy ? `; remove it with: ${fault.remedy}` : '';
        out.push(
          annotation(
            'error',
            { file, title: 'faultline: a fault may still be in place' },
            `${fault.fault} on ${fault.target.name}: ${fault.detail}${remedy}`,
          ),
        );
      }
      break;
    default:
      for (const step of failedSteps) {
        out.push(
          annotation(
            'error',
            {
              file,
              line: source && stepLine(source, step.step),
              title: `faultline: ${run.outcome}: step failed`,
            },
            `${step.label}: ${step.error ?? 'failed'}`,
          ),
        );
      }
      for (const probe of missed.filter((p) => p.phase === 'before' || p.status === 'error'))
        out.push(
          probeNote(
            probe,
            probe.phase === 'before' ? 'faultline: baseline not met' : 'faultline: probe error',
          ),
        );
  }
  if (out.length === 0)
    out.push(annotation('error', { file, title: `faultline: ${run.outcome}` }, run.summary));
  return out;
}

const LABELS = {
  passed: 'PASSED',
  deviated: 'DEVIATED',
  errored: 'ERRORED',
  aborted: 'ABORTED',
  'revert-failed': 'REVERT FAILED',
  interrupted: 'INTERRUPTED',
};

/**
 * A collapsed group. Its body comes from the report (messages of the system under test among them),
 * so workflow commands are stopped inside it: a line of output cannot set an output or mask a value.
 */
export function group(title, body, token) {
  return [
    `::group::${escapeData(title)}`,
    `::stop-commands::${token}`,
    ...body,
    `::${token}::`,
    '::endgroup::',
  ];
}

function runGroup(run, token) {
  const lines = [run.summary];
  for (const probe of run.probes) {
    const counts = `${probe.samples - probe.failures}/${probe.samples} passed`;
    lines.push(
      `  ${probe.phase.padEnd(7)} ${probe.status.padEnd(7)} ${probe.probe}  (${counts}) ${probe.reason}`,
    );
  }
  for (const fault of run.faults)
    lines.push(`  fault   ${fault.status.padEnd(7)} ${fault.fault} on ${fault.target.name}`);
  lines.push(`exit ${run.exitCode}`);
  return group(`${LABELS[run.outcome] ?? run.outcome} ${run.file}: ${run.title}`, lines, token);
}

/** Paths as GitHub wants them: relative to the workspace when faultline was given absolute ones. */
function workspacePath(file, cwd) {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') ? file : relative;
}

function readSource(file, cwd) {
  try {
    return readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** Every line this script prints for one report: groups, then annotations. */
export function reportLines(report, cwd = process.cwd(), token = `faultline-${randomUUID()}`) {
  const lines = [];
  for (const raw of report.runs) {
    const run = { ...raw, file: workspacePath(raw.file, cwd) };
    lines.push(...runGroup(run, token), ...runAnnotations(run, readSource(run.file, cwd)));
  }
  for (const invalid of report.invalid) {
    const file = workspacePath(invalid.file, cwd);
    lines.push(...group(`INVALID ${file}`, invalid.message.split('\n'), token));
    for (const problem of invalidProblems(invalid.file, invalid.message)) {
      lines.push(
        annotation(
          'error',
          { file, line: problem.line, col: problem.col, title: 'faultline: invalid experiment' },
          problem.text,
        ),
      );
    }
  }
  return lines;
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!['--json', '--markdown', '--exit-code'].includes(key) || argv[i + 1] === undefined)
      throw new Error(
        `unexpected argument ${key}; usage: github-report.mjs --json FILE [--markdown FILE] [--exit-code N]`,
      );
    args[key.slice(2)] = argv[i + 1];
  }
  if (!args.json) throw new Error('--json FILE is required');
  return args;
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`github-report: ${error.message}\n`);
    return 2;
  }
  const exit = args['exit-code'] === undefined ? '' : ` (exit ${args['exit-code']})`;
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (!existsSync(args.json)) {
    const message = `faultline wrote no report${exit}: it stopped before running anything; see its output above`;
    process.stdout.write(`${annotation('error', { title: 'faultline' }, message)}\n`);
    if (summary) appendFileSync(summary, `# faultline\n\n${message}.\n`);
    return 0;
  }
  const report = JSON.parse(readFileSync(args.json, 'utf8'));
  process.stdout.write(`${reportLines(report).join('\n')}\n`);
  if (summary) {
    const markdown =
      args.markdown && existsSync(args.markdown) ? readFileSync(args.markdown, 'utf8') : undefined;
    appendFileSync(
      summary,
      markdown ?? `# faultline\n\nexit code ${report.exitCode}; no Markdown report was written.\n`,
    );
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main();
