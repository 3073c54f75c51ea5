#!/usr/bin/env bash
# Runs faultline on the experiments with every report in one folder, and records its exit code:
# in $GITHUB_OUTPUT (exit-code=N) and in <report dir>/exit-code. Exits 0 so that the reports are
# published first, unless FAULTLINE_CI_GATE=1 (then it exits with faultline's code).
#
#   FAULTLINE_CI_EXPERIMENTS  files, folders or globs separated by spaces (default experiments/)
#   FAULTLINE_CI_REPORT_DIR   the report folder (default faultline-reports)
#   FAULTLINE_CI_VIA          --via for network faults (default: faultline's)
#   FAULTLINE_CI_ARGS         more arguments for `faultline run`, separated by spaces
#   FAULTLINE_CI_BIN          the command (default faultline, from PATH)
set -uo pipefail

report_dir="${FAULTLINE_CI_REPORT_DIR:-faultline-reports}"
mkdir -p "$report_dir" || exit 3
rm -f "$report_dir"/faultline.json "$report_dir"/faultline.xml "$report_dir"/faultline.md \
  "$report_dir"/faultline.html "$report_dir"/exit-code

# Each word is a glob (** included); one that matches nothing is passed as written, so faultline names it.
shopt -s globstar
read -ra patterns <<<"${FAULTLINE_CI_EXPERIMENTS:-experiments/}"
experiments=()
for pattern in "${patterns[@]}"; do
  # shellcheck disable=SC2206 # the glob is expanded on purpose
  matches=($pattern)
  experiments+=("${matches[@]}")
done
read -ra extra <<<"${FAULTLINE_CI_ARGS:-}"

args=(run "${experiments[@]}"
  --report "json=$report_dir/faultline.json" --report "junit=$report_dir/faultline.xml"
  --report "markdown=$report_dir/faultline.md" --report "html=$report_dir/faultline.html")
if [[ -n "${FAULTLINE_CI_VIA:-}" ]]; then args+=(--via "$FAULTLINE_CI_VIA"); fi
args+=("${extra[@]}")

echo "faultline ${args[*]}"
# The job summary is written from the Markdown report afterwards (ci/github-report.mjs), once.
env -u GITHUB_STEP_SUMMARY "${FAULTLINE_CI_BIN:-faultline}" "${args[@]}"
code=$?
echo "$code" >"$report_dir/exit-code"
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then echo "exit-code=$code" >>"$GITHUB_OUTPUT"; fi
echo "faultline exited with $code"
if [[ "${FAULTLINE_CI_GATE:-}" == 1 ]]; then exit "$code"; fi
exit 0
