#!/usr/bin/env bash
# The demo: bring the bundled stack up (fixtures/demo), run every experiment in experiments/ against
# it, print the verdicts and where the reports are, and take the stack down again.
#
# Experiments named fragile-* run against the deliberately fragile gateway and are expected to
# deviate (exit 1); the others are expected to pass. The demo exits 0 when every verdict is the
# expected one.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/prepare.sh

trap 'bash fixtures/demo/stack.sh down >/dev/null 2>&1 || true' EXIT
bash fixtures/demo/stack.sh up

mkdir -p reports
set +e
node bin/faultline.js run experiments/ \
  --report json=reports/demo.json \
  --report junit=reports/demo.junit.xml \
  --report markdown=reports/demo.md
status=$?
set -e

echo
echo "exit code $status; reports: reports/demo.json, reports/demo.junit.xml, reports/demo.md"
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { basename } from "node:path";
  const session = JSON.parse(readFileSync("reports/demo.json", "utf8"));
  let unexpected = 0;
  for (const run of session.runs) {
    const expected = basename(run.file).startsWith("fragile-") ? "deviated" : "passed";
    const ok = run.outcome === expected;
    if (!ok) unexpected++;
    console.log(`${ok ? "as expected" : "UNEXPECTED "}  ${run.outcome.padEnd(9)} ${run.file}`);
  }
  if (session.invalid.length > 0) unexpected += session.invalid.length;
  process.exit(unexpected === 0 ? 0 : 1);
'
