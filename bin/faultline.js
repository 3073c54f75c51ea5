#!/usr/bin/env node
// `faultline --version` alone prints the version without loading the CLI; anything else runs the
// bundled CLI, compiled from its code cache (see bundle-loader.js).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { VERSION } = await import('../dist/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { loadBundle } = await import('./bundle-loader.js');
  await loadBundle().exports.main(process.argv);
}
