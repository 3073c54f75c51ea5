#!/usr/bin/env bash
# The demo: bring up the resilience-patterns stack (fixtures/patterns: a gateway with timeouts,
# retries with backoff and jitter, a circuit breaker and a bulkhead; idempotent payments; a cached
# catalogue; two schedulers with leader election; a replicated key-value store), start a private
# Prometheus scraping the gateway's /metrics (fixtures/prometheus, 127.0.0.1:19090), run the catalogue
# in experiments/patterns/ against them, print the verdicts and where the reports are, and take the
# stack and Prometheus down again.
#
#   bash scripts/demo.sh             the resilient stack: every experiment should pass (exit 0)
#   bash scripts/demo.sh fragile     the same stack with every pattern switched off: every
#                                    experiment should fail (the demo then exits 0 when they all did)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=${1:-resilient}
case $mode in resilient | fragile) ;; *) echo "usage: bash scripts/demo.sh [resilient|fragile]" >&2; exit 2 ;; esac

bash scripts/prepare.sh

bash scripts/setup-prometheus.sh

cleanup() {
  bash fixtures/prometheus/prometheus.sh stop >/dev/null 2>&1 || true
  bash fixtures/patterns/stack.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
FAULTLINE_PATTERNS_MODE=$mode bash fixtures/patterns/stack.sh up
# The detection experiment asks this Prometheus whether the gateway's error rate rose.
bash fixtures/prometheus/prometheus.sh start "127.0.0.1:${FAULTLINE_PATTERNS_PORT:-18090}"
export FAULTLINE_PROMETHEUS_URL=${FAULTLINE_PROMETHEUS_URL:-http://127.0.0.1:${FAULTLINE_PROMETHEUS_PORT:-19090}}

mkdir -p reports
set +e
node bin/faultline.js run experiments/patterns/ \
  --report html=reports/demo.html \
  --report json=reports/demo.json \
  --report junit=reports/demo.junit.xml \
  --report markdown=reports/demo.md
status=$?
set -e

echo
echo "faultline exited with $status"
echo "timeline report: $(pwd)/reports/demo.html   (also reports/demo.json, demo.junit.xml, demo.md)"
if [[ $mode == resilient ]]; then
  exit "$status"
fi
# Fragile: the demo succeeds when every experiment found the weakness it looks for.
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const session = JSON.parse(readFileSync("reports/demo.json", "utf8"));
  const missed = session.runs.filter((run) => run.outcome !== "deviated");
  for (const run of missed) console.log(`expected the fragile stack to fail: ${run.file} was ${run.outcome}`);
  process.exit(missed.length === 0 && session.invalid.length === 0 ? 0 : 1);
'
