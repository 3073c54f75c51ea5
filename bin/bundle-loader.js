// Loads a CLI bundle (dist/cli/bundle.cjs, front.cjs, help.cjs or validate.cjs, each one CommonJS file)
// with V8's code cache: the functions a command runs are read already compiled from the cache beside
// it (bundle.cache, …) instead of being parsed and compiled at every start.
//
// The bundle's first line names its own hash (written by scripts/bundle-cli.mjs), and a cache file
// starts with a header naming that hash, the Node version and the architecture: a cache of another
// build or another Node is never handed to V8. One V8 rejects anyway (other flags, a damaged file) only
// costs a normal compile, after which a fresh cache is written, once, to the user's cache folder
// ($XDG_CACHE_HOME/faultline or ~/.cache/faultline; skipped silently when it cannot be written), which
// is tried first from then on. FAULTLINE_DEBUG_CODE_CACHE=1 prints on stderr (written on the
// descriptor, as the CLI writes to a pipe: see src/cli/fd-writer.ts) which cache was used.
'use strict';
const { mkdirSync, readFileSync, renameSync, writeFileSync, writeSync } = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

/** The whole CLI. */
const BUNDLE = path.join(__dirname, '../dist/cli/bundle.cjs');
/**
 * The same CLI without the modules of the commands that touch Docker: what `validate`, `explain`,
 * `schema`, `completion` and the help need, about a third of the code to read and set up. faultline.js
 * chooses it only for those commands; its stand-ins for the others say so if ever reached.
 */
const FRONT = path.join(__dirname, '../dist/cli/front.cjs');
/**
 * `faultline validate FILE…` alone, no option: what CI runs on every push. Only validate's modules
 * (src/cli/validate-main.ts), without commander and the other commands: a third of the front bundle's
 * code and cache left unread, and no command tree built.
 */
const VALIDATE = path.join(__dirname, '../dist/cli/validate.cjs');
/** The program's help and each command's (`help X`), with no command's own modules. */
const HELP = path.join(__dirname, '../dist/cli/help.cjs');
const HELP_FIRST = new Set(['help', '--help', '-h']);
/** The commands the front bundle holds (scripts/bundle-cli.mjs leaves the others out of it). */
const FRONT_COMMANDS = ['validate', 'explain', 'schema', 'completion'];

/** `validate` followed by files and folders only: no option, nothing commander would read otherwise. */
function validateOnly(args) {
  return args.length > 1 && args[0] === 'validate' && args.every((arg, i) => i === 0 || !arg.startsWith('-'));
}

/**
 * The bundle that serves a command line (the arguments after the program): the help's when there is
 * none or it asks for the help first; validate's own for `validate FILE…` without options; the front
 * one when it names one of its commands first; the whole CLI for anything else, an option first
 * included. (`X --help` is served by the bundle that serves X.)
 */
function bundleFor(args) {
  if (args.length === 0 || HELP_FIRST.has(args[0])) return HELP;
  if (validateOnly(args)) return VALIDATE;
  return FRONT_COMMANDS.includes(args[0]) ? FRONT : BUNDLE;
}

/** The code cache shipped beside a bundle. */
const cacheOf = (file) => file.replace(/\.cjs$/, '.cache');
const SHIPPED_CACHE = cacheOf(BUNDLE);

/** The bundle's first line: `// faultline <version> bundle <sha256 of the rest>[ ascii]`. */
const ID_LINE = /^\/\/ faultline (\S+) bundle ([0-9a-f]{64})( ascii)?\n/;
const WRAPPER = ['(function (exports, require, module, __filename, __dirname, __faultlineImport) { ', '\n})'];

/** The first line of a cache file made for this bundle on this Node. */
function cacheHeader(hash) {
  return `faultline-code-cache ${hash} ${process.version} ${process.arch}\n`;
}

/** The cache of bundle `file` this user's Node writes when the shipped one does not fit. */
function userCachePath(version, env = process.env, file = BUNDLE) {
  const base = env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache');
  const name = path.basename(file, '.cjs');
  return path.join(base, 'faultline', `${version}-${name}-${process.version}.cache`);
}

/** The cache data in `file` if it was made for this bundle and this Node; otherwise undefined. */
function readCache(file, header) {
  let data;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const size = Buffer.byteLength(header);
  if (data.length <= size || data.toString('latin1', 0, size) !== header) return undefined;
  return data.subarray(size);
}

function writeCache(file, header, data) {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([Buffer.from(header, 'latin1'), data]));
    renameSync(temporary, file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `make` with V8 checking the checksum of a code cache, which it does only when asked: a damaged
 * file is then rejected, not run. Only for that call: the flag is part of the flags V8 keys a cache on,
 * and Node's own modules are cached for its default flags. A cache is made (createCache) and read
 * under the same flags.
 */
function checked(make) {
  v8.setFlagsFromString('--verify-snapshot-checksum');
  try {
    return make();
  } finally {
    v8.setFlagsFromString('--no-verify-snapshot-checksum');
  }
}

/** The code cache of `script`, with every function compiled so far. */
function createCache(script) {
  return checked(() => script.createCachedData());
}

/**
 * Compiles and runs the bundle; resolves to its exports (`main`). With `{ fresh: true }` no cache is
 * read or written (the build uses it to make the shipped cache from `script.createCachedData()`).
 */
function loadBundle({ fresh = false, env = process.env, file = BUNDLE } = {}) {
  const bytes = readFileSync(file);
  const id = ID_LINE.exec(bytes.toString('latin1', 0, 200));
  if (!id) throw new Error(`${file} has no build line: run \`npm run build\``);
  const [, version, hash, ascii] = id;
  // ASCII is read as a one-byte string, without decoding.
  const source = bytes.toString(ascii ? 'latin1' : 'utf8');
  const header = cacheHeader(hash);
  const userCache = userCachePath(version, env, file);
  let used;
  let cachedData;
  if (!fresh) {
    for (const [name, cache] of [
      ['user', userCache],
      ['shipped', cacheOf(file)],
    ]) {
      cachedData = readCache(cache, header);
      if (cachedData) {
        used = name;
        break;
      }
    }
  }
  const script = checked(
    () =>
      new vm.Script(WRAPPER[0] + source + WRAPPER[1], {
        filename: file,
        ...(cachedData ? { cachedData } : {}),
      }),
  );
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  if (!fresh && !accepted) {
    // Written at exit, so that it holds the functions this command compiled.
    process.once('exit', () => {
      const wrote = writeCache(userCache, header, createCache(script));
      if (env.FAULTLINE_DEBUG_CODE_CACHE)
        writeSync(2, `code cache: ${wrote ? 'wrote' : 'could not write'} ${userCache}\n`);
    });
  }
  if (env.FAULTLINE_DEBUG_CODE_CACHE) {
    const state = used ? `${used} ${accepted ? 'accepted' : 'rejected'}` : 'none';
    writeSync(2, `code cache: ${state} (${path.basename(file)})\n`);
  }
  const module = { exports: {} };
  const run = script.runInThisContext();
  // ES modules (execa) are imported from here: see importsThroughLoader in scripts/bundle-cli.mjs.
  const importer = (specifier) => import(specifier);
  run.call(
    module.exports,
    module.exports,
    // The loader's own require: packages resolve from bin/ as from dist/cli/ (the build refuses a
    // bundle that requires a relative path), without loading node:module's createRequire.
    require,
    module,
    file,
    path.dirname(file),
    importer,
  );
  return { exports: module.exports, script, header };
}

/** The watchdog's program, and what starts `run`'s first one ahead of the CLI (scripts/bundle-watchdog.mjs). */
const WATCHDOG = path.join(__dirname, '../dist/watchdog/watchdog-main.js');
const EARLY_WATCHDOG = path.join(__dirname, '../dist/watchdog/early-watchdog.js');

/**
 * For `faultline run`, its first watchdog, started now, before the bundle loads, so that its start-up
 * overlaps the CLI's (see src/safety/early-watchdog.ts); undefined for anything else, for `run`'s help,
 * when the build has no such file, or when starting it throws (no home folder to keep state in, say):
 * the run then starts its watchdog itself, and reports what stops it there. `load` is for tests.
 */
function startWatchdog(args, load = () => require(EARLY_WATCHDOG)) {
  if (args[0] !== 'run' || args.includes('--help') || args.includes('-h')) return undefined;
  try {
    return load().startEarly(WATCHDOG);
  } catch {
    return undefined;
  }
}

module.exports = {
  BUNDLE,
  FRONT,
  HELP,
  VALIDATE,
  FRONT_COMMANDS,
  SHIPPED_CACHE,
  bundleFor,
  cacheOf,
  cacheHeader,
  userCachePath,
  createCache,
  loadBundle,
  startWatchdog,
};
