#!/usr/bin/env bash
# Run the whole test suite on this host: prepare it (Docker Engine, npm dependencies, fixture image),
# then `npm test` (lint, type check, unit, integration and end-to-end tests against real Docker).
# Extra arguments go to vitest, e.g. `bash scripts/test.sh test/e2e`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/prepare.sh
exec npm test -- "$@"
