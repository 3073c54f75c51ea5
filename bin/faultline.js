#!/usr/bin/env node
// `faultline --version` alone prints the version without loading the CLI; the help runs a bundle
// with no command's modules; `validate FILE…` without options runs validate's own bundle; the other
// commands that never touch Docker (validate with options, explain, schema, completion) run the
// smaller front bundle; anything else runs the whole CLI. Each bundle is compiled from its code cache (see bundle-loader.js). `run`
// starts its first watchdog before its bundle loads.
//
// CommonJS (bin/package.json says so): Node starts a CommonJS entry without its ES module loader, and
// `require` of Node's own modules does not build the ES module facade that reads every export.
'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  const loader = require('./bundle-loader.js');
  const watchdog = loader.startWatchdog(args);
  loader.loadBundle({ file: loader.bundleFor(args) }).exports.main(process.argv, { watchdog });
}
