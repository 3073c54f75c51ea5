#!/usr/bin/env node
// Lists every source file over 300 lines and every function, method or arrow function over 80 lines,
// so that files stay small and functions readable.
//
// Usage: node scripts/check-size.mjs [--report] [DIR_OR_FILE ...]
//   DIR_OR_FILE  what to check (default: src/ of this repository); directories are walked for .ts,
//                .tsx, .mts, .cts, .js and .mjs files (declaration files and node_modules left out)
//   --report     print the list and exit 0 whatever it holds
//
// Exit code: 0 when nothing is over the limits (or with --report), 1 when something is, 2 on bad usage.
//
// A file may be longer, or hold longer functions, for a reason written in its first comment block (the
// first run of comments, before or after the imports), on a line that starts with `Size:`, e.g.
// `// Size: one table of all step shapes`. Such a file is left out.
// A function's length runs from its first token (after any doc comment) to its last, both lines
// counted; a nested function is measured on its own and also counts toward the one around it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 80;

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs'];
const DEFAULT_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The source files under each path, sorted so the list reads the same on every machine. */
export function sourceFiles(paths) {
  const found = [];
  const walk = (entry) => {
    const stat = statSync(entry);
    if (stat.isFile()) {
      found.push(entry);
      return;
    }
    for (const name of readdirSync(entry).sort()) {
      const child = path.join(entry, name);
      if (name === 'node_modules' || name.startsWith('.')) continue;
      if (statSync(child).isDirectory()) walk(child);
      else if (EXTENSIONS.some((ext) => name.endsWith(ext)) && !/\.d\.[mc]?ts$/.test(name)) found.push(child);
    }
  };
  for (const entry of paths) walk(entry);
  return found;
}

/** The number of lines, as `wc -l` counts them for a file that ends with a newline. */
export function lineCount(text) {
  if (text === '') return 0;
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}

/**
 * The reason a file gives for its size: a `Size:` line in its first comment block, the first run of
 * comments in the file (before or after the imports).
 */
export function sizeReason(text) {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const { SingleLineCommentTrivia, MultiLineCommentTrivia, WhitespaceTrivia, NewLineTrivia, ShebangTrivia } =
    ts.SyntaxKind;
  const comments = [];
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === SingleLineCommentTrivia || token === MultiLineCommentTrivia) {
      comments.push(scanner.getTokenText());
    } else if (![WhitespaceTrivia, NewLineTrivia, ShebangTrivia].includes(token) && comments.length > 0) {
      break;
    }
  }
  for (const raw of comments.join('\n').split('\n')) {
    const line = raw
      .trim()
      .replace(/^(\/\/+|\/\*+|\*+)/, '')
      .trim();
    const match = /^Size:\s*(.*?)\s*(\*\/)?$/.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function isFunctionLike(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

function shortText(node, sourceFile) {
  const text = node.getText(sourceFile).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A name a reader can find: the declared name, the variable or property it is assigned to, or the call it is passed to. */
function functionName(node, sourceFile) {
  const className = (member) =>
    member.parent && ts.isClassLike(member.parent) && member.parent.name ? `${member.parent.name.text}.` : '';
  if (ts.isConstructorDeclaration(node)) return `${className(node)}constructor`;
  if (node.name) {
    const own = node.name.getText(sourceFile);
    const accessor = ts.isGetAccessorDeclaration(node)
      ? 'get '
      : ts.isSetAccessorDeclaration(node)
        ? 'set '
        : '';
    return `${accessor}${className(node)}${own}`;
  }
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name) {
    return parent.name.getText(sourceFile);
  }
  if (parent && ts.isPropertyDeclaration(parent) && parent.name) {
    return `${className(parent)}${parent.name.getText(sourceFile)}`;
  }
  if (parent && ts.isExportAssignment(parent)) return 'default export';
  const kind = ts.isArrowFunction(node) ? 'arrow function' : 'function';
  if (parent && ts.isCallExpression(parent))
    return `${kind} passed to ${shortText(parent.expression, sourceFile)}`;
  return `anonymous ${kind}`;
}

/** The functions of one file over the limit, in source order. */
export function longFunctions(fileName, text, limit = MAX_FUNCTION_LINES) {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (isFunctionLike(node) && node.body) {
      const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
      const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) found.push({ name: functionName(node, sourceFile), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Everything over the limits in the given files, and the files left out for a written reason. */
export function checkFiles(files) {
  const over = [];
  const excused = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const shown = path.relative(process.cwd(), file).split(path.sep).join('/') || file;
    const reason = sizeReason(text);
    if (reason !== undefined) {
      excused.push({ file: shown, reason });
      continue;
    }
    const lines = lineCount(text);
    if (lines > MAX_FILE_LINES) over.push(`${shown}: file, ${lines} lines (limit ${MAX_FILE_LINES})`);
    for (const fn of longFunctions(file, text)) {
      over.push(`${shown}:${fn.line} ${fn.name}: ${fn.lines} lines (limit ${MAX_FUNCTION_LINES})`);
    }
  }
  return { over, excused };
}

function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { report: { type: 'boolean' } }, allowPositionals: true });
  } catch (error) {
    process.stderr.write(
      `check-size: ${error.message}\nUsage: node scripts/check-size.mjs [--report] [DIR_OR_FILE ...]\n`,
    );
    return 2;
  }
  const roots = parsed.positionals.length > 0 ? parsed.positionals : [DEFAULT_ROOT];
  const missing = roots.filter((root) => !existsSync(root));
  if (missing.length > 0) {
    process.stderr.write(`check-size: no such file or directory: ${missing.join(', ')}\n`);
    return 2;
  }
  const { over, excused } = checkFiles(sourceFiles(roots));
  for (const line of over) process.stdout.write(`${line}\n`);
  for (const { file, reason } of excused) process.stdout.write(`${file}: left out (Size: ${reason})\n`);
  if (over.length === 0) {
    process.stdout.write(
      `No file over ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES} lines.\n`,
    );
    return 0;
  }
  process.stdout.write(
    `${over.length} over the limits. Split along a real seam, or give the reason in the file's first ` +
      'comment block on a line such as `// Size: one table of all step shapes`.\n',
  );
  return parsed.values.report ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
