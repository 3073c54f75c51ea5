#!/usr/bin/env bash
# Prepare this host for faultline's demo and tests: Docker Engine and tools (scripts/setup-host.sh),
# the npm dependencies (when missing or out of date), the compiled CLI, and the fixture image
# (built offline: no registry needed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-host.sh

# npm writes node_modules/.package-lock.json on every install: older than package-lock.json
# means the dependencies changed since the last `npm ci`.
if [[ ! -d node_modules || ! -e node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

npm run --silent build
bash fixtures/images/build.sh
