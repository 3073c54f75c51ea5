// Bundles the CLI (src/cli/main.ts) into dist/cli/main.js and a few chunks beside it, after `tsc` has
// written dist/. One file to read instead of hundreds makes start-up cheap; each `await import()` of a
// command stays a chunk of its own, loaded only when that command runs. Everything else in dist/ stays
// as tsc wrote it: the programs faultline starts as processes of their own (the watchdog, the proxy,
// the disk agent) and the files copied into helper images are found there, by path.
//
// A module that finds a file next to itself (`new URL('…', import.meta.url)`) gets the URL of its own
// tsc output instead, so that such paths mean the same in the bundle as in dist/.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const outdir = path.join(root, 'dist/cli');

/** Packages loaded from node_modules as they are: dockerode (CommonJS, optional native parts) and execa. */
const EXTERNAL = ['dockerode', 'execa'];

const ownUrl = {
  name: 'own-import-meta-url',
  setup(bundle) {
    bundle.onLoad({ filter: /\.ts$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      if (!code.includes('import.meta.url')) return { contents: code, loader: 'ts' };
      const built = path.relative(src, args.path).replace(/\.ts$/, '.js').split(path.sep).join('/');
      const url = `new URL(${JSON.stringify(`../${built}`)}, import.meta.url).href`;
      return { contents: code.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * zod's messages in every language but English (`z.locales`, 1.6 MB of source, which faultline never
 * uses): left out of the bundle. English, zod's default, is imported by zod on its own.
 */
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
 * commander runs a subcommand's executable through child_process, which faultline's commands are not:
 * its child_process (with net, dgram and streams) is loaded only if commander ever spawns one.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(bundle) {
    bundle.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

for (const name of await readdir(outdir)) {
  if (name.startsWith('chunk-')) await rm(path.join(outdir, name));
}

await build({
  entryPoints: { main: path.join(src, 'cli/main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: EXTERNAL,
  // CommonJS packages inside the bundle (commander) require Node's built-in modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  keepNames: true,
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  allowOverwrite: true,
  plugins: [ownUrl, noZodLocales, lazyChildProcessForCommander],
});
