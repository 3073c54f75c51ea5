#!/usr/bin/env bash
# Run the test suite on this host: prepare the host (Docker, Compose, tools), install the npm
# dependencies when needed, build the fixture image, then `npm test`. Extra arguments are passed
# on to the test runner, e.g. `bash scripts/test.sh test/cli.test.ts`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-host.sh

# npm writes node_modules/.package-lock.json on every install: older than package-lock.json
# means the dependencies changed since the last `npm ci`.
if [[ ! -d node_modules || ! -e node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

bash fixtures/images/build.sh

exec npm test -- "$@"
