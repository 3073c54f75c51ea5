#!/usr/bin/env bash
# Make sure this host has a Prometheus server binary, for the prometheus probe's tests and the demo:
# fixtures/prometheus/prometheus.sh starts a private one on 127.0.0.1 with its own storage.
#
# Installs Debian's `prometheus` package when the binary is missing (apt-get update only when the
# package lists do not know it). The package's own service would listen on every address on port 9090:
# a policy-rc.d that says "no" keeps it from starting during the install, and afterwards the service is
# stopped and disabled, so nothing but the private server ever runs. Idempotent; prints the version.
set -euo pipefail

tmp=${TMPDIR:-/tmp}
apt_log=$tmp/faultline-apt.log

script=setup-prometheus
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The system service the package may have enabled or started: stop and disable it. Only right after
# this script installed the package: a service someone runs on purpose is left alone.
quiet_service() {
  if have systemctl && [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
  if [[ -x /etc/init.d/prometheus ]]; then
    as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    if have update-rc.d; then as_root update-rc.d prometheus disable >/dev/null 2>&1 || true; fi
  fi
}

install_package() {
  have apt-get || die "missing: prometheus. Install Prometheus (2.x) with your package manager."
  can_be_root || die "missing: prometheus. Install it with: sudo apt-get install --no-install-recommends prometheus"
  say "installing prometheus (apt-get, log: $apt_log)"
  : >"$apt_log"

  policy=/usr/sbin/policy-rc.d
  placed_policy=0
  if [[ ! -e $policy ]]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >"$1" && chmod 755 "$1"' sh "$policy"
    placed_policy=1
  fi
  cleanup() { if [[ $placed_policy == 1 ]]; then as_root rm -f "$policy"; fi; }
  trap cleanup EXIT

  # The package lists are refreshed only when they do not offer the package yet.
  if ! apt-cache show prometheus >/dev/null 2>&1 || [[ -z $(apt-cache policy prometheus | awk '/Candidate:/ && $2 != "(none)" {print $2}') ]]; then
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$apt_log" 2>&1; then
      tail -n 20 "$apt_log" >&2
      die "apt-get update failed (full log: $apt_log)"
    fi
  fi
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus \
    >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "apt-get install prometheus failed (full log: $apt_log)"
  fi
  cleanup
  trap - EXIT
  quiet_service
}

if ! have prometheus; then
  install_package
fi
have prometheus || die "prometheus is not installed"

prometheus --version 2>&1 | head -n 1
