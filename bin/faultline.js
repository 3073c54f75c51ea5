#!/usr/bin/env node
// `faultline --version` alone prints the version without loading the CLI; anything else goes to main.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { VERSION } = await import('../dist/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  await main(process.argv);
}
