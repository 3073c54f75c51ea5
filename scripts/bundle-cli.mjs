// Bundles the CLI (src/cli/main.ts) into one CommonJS file, dist/cli/bundle.cjs, after `tsc` has written
// dist/; again, without the commands that touch Docker, into dist/cli/front.cjs, and with no command
// but the help into dist/cli/help.cjs (see onlyCommands); and `validate FILE…` alone
// (src/cli/validate-main.ts) into dist/cli/validate.cjs; then makes their code caches
// (scripts/bundle-cache.mjs). bin/bundle-loader.js compiles the file
// with that cache: CommonJS, unlike ES modules on Node 20, can use V8's code cache, and one file is read
// instead of hundreds. A command's own modules (each `await import()`) stay lazy inside the file: they
// are compiled and run only when that command runs. Everything else in dist/ stays as tsc wrote it: the
// programs faultline starts as processes of their own (the proxy, the disk agent) and the files copied
// into helper images are found there, by path. The watchdog, which a run waits for before its first
// fault, gets a bundle of its own (scripts/bundle-watchdog.mjs).
//
// dockerode and docker-modem are inside the bundle; what faultline rarely needs of them is loaded from
// node_modules on first use only: docker-modem's ssh transport (ssh2; faultline reaches ssh:// engines
// through its own agent), dockerode's BuildKit session and progress (@grpc/grpc-js, protobufjs).
// execa (ES modules only) stays a real `import()` of node_modules.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { makeCodeCache } from './bundle-cache.mjs';
import { bundleWatchdog } from './bundle-watchdog.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const outfile = path.join(root, 'dist/cli/bundle.cjs');
const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/**
 * A module that finds a file next to itself (`new URL('…', import.meta.url)`) gets its tsc output's URL.
 * Characters beyond ASCII in faultline's own sources (in `html` templates, which read the cooked
 * strings, never `.raw`) are written as \u escapes: an all-ASCII bundle is read as a one-byte string,
 * several times faster than decoding UTF-8 into a two-byte one.
 */
const ownSource = {
  name: 'own-source',
  setup(bundle) {
    bundle.onLoad({ filter: /\.ts$/ }, async (args) => {
      let code = await readFile(args.path, 'utf8');
      if (code.includes('import.meta.url')) {
        const built = path.relative(src, args.path).replace(/\.ts$/, '.js').split(path.sep).join('/');
        code = code.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(`../${built}`)}, __bundleUrl()).href`,
        );
      }
      if (/[^\0-\x7f]/.test(code)) {
        if (code.includes('.raw')) throw new Error(`${args.path}: non-ASCII text next to a raw template`);
        code = code.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      }
      return { contents: code, loader: 'ts' };
    });
  },
};

/** A module of a package, by the path of the importer and the name it imports. */
function importedBy(args, pkg, file, request) {
  return args.path === request && args.importer.endsWith(path.join('node_modules', pkg, 'lib', file));
}

/**
 * Parts of a package replaced by a shim that loads the real module from node_modules on first use.
 * Those modules find files beside them (dockerode's .proto files) or load native and wasm code (ssh2).
 */
const LAZY = [
  {
    when: (args) => importedBy(args, 'dockerode', 'docker.js', './session'),
    contents:
      "module.exports = function withSession() { return require('dockerode/lib/session.js').apply(this, arguments); };",
  },
  {
    when: (args) => importedBy(args, 'dockerode', 'docker.js', './buildkit'),
    contents: "module.exports = require('dockerode/lib/buildkit.js');",
  },
  {
    when: (args) => importedBy(args, 'docker-modem', 'modem.js', './ssh'),
    contents: `module.exports = function ssh(options) {
  const fromDockerode = require('node:module').createRequire(require.resolve('dockerode'));
  return fromDockerode('docker-modem/lib/ssh.js')(options);
};`,
  },
  // commander runs a subcommand's executable through child_process, which faultline's commands are not.
  {
    when: (args) =>
      args.path === 'node:child_process' && args.importer.includes(`${path.sep}commander${path.sep}`),
    contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
  },
];

const lazyParts = {
  name: 'lazy-parts',
  setup(bundle) {
    bundle.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'lazy') return { path: args.path, external: true };
      const index = LAZY.findIndex((part) => part.when(args));
      return index === -1 ? undefined : { path: String(index), namespace: 'lazy' };
    });
    bundle.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: LAZY[Number(args.path)].contents,
      loader: 'js',
    }));
  },
};

/**
 * chalk works out at start-up whether the terminal has colours (its supports-color, which loads
 * Node's tty and os modules). faultline always tells its Chalk the level (src/cli/output.ts), so that
 * guess is never used: chalk gets a stand-in that says "no colours" for its default instance.
 */
const noColorGuess = {
  name: 'no-color-guess',
  setup(bundle) {
    bundle.onResolve({ filter: /^#supports-color$/ }, (args) =>
      args.importer.includes(`${path.sep}chalk${path.sep}`)
        ? { path: 'supports-color', namespace: 'no-color-guess' }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'no-color-guess' }, () => ({
      contents: 'export default { stdout: false, stderr: false };',
      loader: 'js',
    }));
  },
};

/**
 * docker-modem formats every request it sends for its debug log (util.inspect of the options, a few
 * milliseconds on the first Engine call), whether DEBUG=modem is set or not: formatted only when it is.
 */
const MODEM_DEBUG = "debug('Sending: %s', util.inspect(";
const quietModem = {
  name: 'quiet-modem',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      if (!code.includes(MODEM_DEBUG)) throw new Error(`${args.path} no longer logs requests as expected`);
      return { contents: code.replace(MODEM_DEBUG, `if (debug.enabled) ${MODEM_DEBUG}`), loader: 'js' };
    });
  },
};

/** zod's messages in every language but English (`z.locales`, 1.6 MB of source): left out. */
const noZodLocales = {
  name: 'no-zod-locales',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: 'zod-locales', namespace: 'empty' }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * execa is ES modules only: the bundle imports it (and Node's modules it loads on first use) through `__faultlineImport`, which bin/bundle-loader.js
 * passes in. A dynamic `import()` inside a script compiled from a code cache fails on Node 20 (the cache
 * does not keep the script's import callback), and Node's default callback warns that it is experimental.
 */
function importsThroughLoader(code, front) {
  const execa = code.replaceAll('import("execa")', '__faultlineImport("execa")');
  // The front bundle's commands run no process.
  if (execa === code && !front) throw new Error('the bundle no longer imports execa where expected');
  if (execa !== code && front) throw new Error('the front bundle imports execa: it should run no process');
  // Node's own modules loaded on first use (node:https for an https probe) go the same way.
  const replaced = execa.replace(/\bimport\(("node:[a-z_/]+")\)/g, '__faultlineImport($1)');
  const left = replaced.match(/\bimport\("[^"]*"\)/g);
  if (left) throw new Error(`the bundle imports ${left.join(', ')}: add it to the loader's imports`);
  return replaced;
}

/**
 * Error classes name themselves after their class (`this.name = new.target.name`), which shows in a
 * stack. Without keepNames, esbuild renames a class whose name another module also uses (Foo -> Foo2):
 * fail the build then, so that a second class of that name gets a name of its own.
 */
async function checkClassNames(code, metafile) {
  const renamed = new Set();
  for (const input of Object.keys(metafile.inputs).filter((file) => file.startsWith('src/'))) {
    const text = await readFile(path.join(root, input), 'utf8');
    for (const [, name] of text.matchAll(/\bclass (\w+)/g)) {
      if (new RegExp(`(\\bclass |\\bvar |\\blet |\\bconst |,)${name}\\d+\\b`).test(code)) renamed.add(name);
    }
  }
  if (renamed.size > 0)
    throw new Error(`classes renamed in the bundle (give them unique names): ${[...renamed].join(', ')}`);
}

/** The commands the front bundle serves (bin/faultline.js sends only these to it). */
const { FRONT_COMMANDS } = createRequire(import.meta.url)('../bin/bundle-loader.js');

/**
 * A bundle that holds only `commands`: every other command's module is a stand-in that says it is not
 * there (bin/faultline.js never sends that command to this bundle).
 */
function onlyCommands(commands, bundle) {
  return {
    name: 'only-commands',
    setup(build) {
      build.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) => {
        const name = /([a-z-]+)\.js$/.exec(args.path)[1];
        if (!args.importer.endsWith(path.join('src', 'cli', 'program.ts')) || commands.includes(name))
          return undefined;
        return { path: name, namespace: 'left-out' };
      });
      build.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`the ${args.path} command is not in ${bundle}: bin/faultline.js runs it from dist/cli/bundle.cjs`)});`,
        loader: 'js',
      }));
    },
  };
}

/** Bundles the CLI into `file`, its first line naming its version and hash; returns the code's size. */
async function bundleCli(file, { commands, entry = 'cli/main.ts' }) {
  // A bundle of some commands only runs no process: it imports no execa.
  const front = commands !== undefined || entry !== 'cli/main.ts';
  const plugins = [lazyParts, ownSource, noZodLocales, noColorGuess, quietModem];
  if (commands) plugins.push(onlyCommands(commands, path.basename(file)));
  const result = await build({
    entryPoints: [path.join(src, entry)],
    outfile: file,
    write: false,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['execa'],
    // The bundle's own URL, for the modules that find files beside them: made on first use only.
    banner: { js: 'function __bundleUrl() { return require("node:url").pathToFileURL(__filename).href; }' },
    keepNames: false,
    // Names are not kept (esbuild's keepNames costs every function a call at start-up): see
    // checkClassNames for the one place names matter.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins,
    metafile: true,
  });
  const code = importsThroughLoader(result.outputFiles[0].text, front);
  await checkClassNames(code, result.metafile);
  // `import { z } from 'zod'` makes the bundle build zod's namespace object, which keeps every export of
  // zod (its JSON Schema and compile modules, 150 kB) and defines a getter for each at start-up;
  // `import * as z from 'zod'` lets esbuild keep only what is used.
  if (/\bexternal_exports\b/.test(code))
    throw new Error(
      `${path.basename(file)} builds zod's namespace: import it as \`import * as z from 'zod'\``,
    );
  // validate's own bundle is worth having only without the command tree.
  const commander = Object.keys(result.metafile.inputs).some((input) => input.includes('/commander/'));
  if (entry !== 'cli/main.ts' && commander) throw new Error(`${path.basename(file)} holds commander`);
  // The loader hands the bundle its own require (bin/), which resolves packages as dist/cli/ would
  // but not a path relative to the bundle.
  const relative = code.match(/\brequire\("\.{1,2}\/[^"]*"\)/);
  if (relative) throw new Error(`${path.basename(file)} requires a relative path: ${relative[0]}`);
  const hash = createHash('sha256').update(code).digest('hex');
  const ascii = /^[\0-\x7f]*$/.test(code) ? ' ascii' : '';
  await writeFile(file, `// faultline ${version} bundle ${hash}${ascii}\n${code}`);
  return code.length;
}

// What an earlier ES-module build left beside the bundle.
for (const name of await readdir(path.dirname(outfile))) {
  if (name.startsWith('chunk-')) await rm(path.join(path.dirname(outfile), name));
}

await bundleCli(outfile, {});
await bundleCli(path.join(root, 'dist/cli/front.cjs'), { commands: FRONT_COMMANDS });
await bundleCli(path.join(root, 'dist/cli/help.cjs'), { commands: [] });
await bundleCli(path.join(root, 'dist/cli/validate.cjs'), { entry: 'cli/validate-main.ts' });
await bundleWatchdog(root);
await makeCodeCache(root);
