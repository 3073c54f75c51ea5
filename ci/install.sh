#!/usr/bin/env bash
# Installs faultline from a tarball made by `npm pack`, or from a checkout (built, then packed), into
# its own prefix, and prints the folder of its command. faultline is not published on npm: never
# `npx faultline`, which would fetch whatever else carries that name.
#
#   FAULTLINE_CI_SOURCE   a .tgz, or a faultline checkout (default: FAULTLINE_CI_ACTION_PATH, this checkout)
#   FAULTLINE_CI_PREFIX   where to install (default: $RUNNER_TEMP/faultline, else /tmp/faultline)
#   GITHUB_PATH        when set, the command's folder is added to the PATH of later steps
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source="${FAULTLINE_CI_SOURCE:-${FAULTLINE_CI_ACTION_PATH:-$here}}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
prefix="${FAULTLINE_CI_PREFIX:-$temp/faultline}"

if [[ "$source" == *.tgz ]]; then
  if [[ ! -f "$source" ]]; then
    echo "::error title=faultline::no tarball at $source: make one with \`npm pack\` in a faultline checkout" >&2
    exit 2
  fi
  tarball="$(cd "$(dirname "$source")" && pwd)/$(basename "$source")"
else
  if [[ ! -f "$source/package.json" ]]; then
    echo "::error title=faultline::$source is neither a .tgz nor a faultline checkout (no package.json)" >&2
    exit 2
  fi
  pack="$(mktemp -d "$temp/faultline-pack.XXXXXX")"
  (cd "$source" && npm ci --no-audit --no-fund && npm run build && npm pack --pack-destination "$pack" >/dev/null)
  tarball="$(ls "$pack"/faultline-*.tgz)"
fi

mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --prefer-offline --omit=dev "$tarball" >&2
bin="$prefix/node_modules/.bin"
echo "installed $("$bin/faultline" --version | head -1) in $prefix" >&2
if [[ -n "${GITHUB_PATH:-}" ]]; then echo "$bin" >>"$GITHUB_PATH"; fi
echo "$bin"
