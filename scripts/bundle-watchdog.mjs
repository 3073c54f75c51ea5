// Bundles the watchdog's entry (src/safety/watchdog-main.ts) and what it needs to watch a run into one
// CommonJS file, dist/watchdog/watchdog-main.js (dist/watchdog/package.json says CommonJS). The watchdog
// is a Node process of its own that a run waits for before its first fault: started from this file,
// Node skips its ES module loader and reads one file instead of a dozen, and the watchdog answers about
// as soon as a bare `node -e 0` would. What reverts faults (fault families, the Docker client) is loaded
// only once a run has announced a fault; it stays in dist/ as tsc wrote it and is imported from there.
// The file keeps the name watchdog-main.js: `recover` and `status` find watchdogs by that name on their
// command line (src/safety/recover.ts). A second small file, dist/watchdog/early-watchdog.js
// (src/safety/early-watchdog.ts), is what bin/faultline.js runs to start `run`'s first watchdog before
// the CLI loads.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

/** The modules the watchdog imports on demand: left to tsc's output, found relative to the bundle. */
const ON_DEMAND = /\/(watchdog-revert|dockerode-client)\.js$/;

export async function bundleWatchdog(root) {
  const src = path.join(root, 'src');
  const outdir = path.join(root, 'dist/watchdog');
  const onDemand = {
    name: 'on-demand',
    setup(bundle) {
      bundle.onResolve({ filter: ON_DEMAND }, (args) => {
        const built = path.join(root, 'dist', path.relative(src, path.resolve(args.resolveDir, args.path)));
        return { path: path.relative(outdir, built).split(path.sep).join('/'), external: true };
      });
    },
  };
  const inputs = [];
  for (const [entry, file, plugins] of [
    ['safety/watchdog-main.ts', 'watchdog-main.js', [onDemand]],
    // What bin/faultline.js runs to start `run`'s first watchdog before the CLI loads.
    ['safety/early-watchdog.ts', 'early-watchdog.js', []],
  ]) {
    const result = await build({
      entryPoints: [path.join(src, entry)],
      outfile: path.join(outdir, file),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'none',
      logLevel: 'warning',
      plugins,
      metafile: true,
    });
    inputs.push(...Object.keys(result.metafile.inputs));
  }
  const outside = inputs.filter((input) => !input.startsWith('src/'));
  if (outside.length > 0)
    throw new Error(`the watchdog bundles take in ${outside.join(', ')}: keep them to src/`);
  await mkdir(outdir, { recursive: true });
  await writeFile(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
}
