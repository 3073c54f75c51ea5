#!/usr/bin/env bash
# Make sure this host has a Prometheus server binary, for the prometheus probe's tests and the demo:
# fixtures/prometheus/prometheus.sh starts a private one on 127.0.0.1 with its own storage.
#
# Installs Debian's `prometheus` package when the binary is missing (apt_install of scripts/lib.sh:
# apt-get update only when the package lists do not offer it). The package's own service would listen
# on every address on port 9090: a policy-rc.d that says "no" keeps it from starting during the
# install, and afterwards the service is stopped and disabled, so nothing but the private server ever
# runs. Idempotent; prints the version.
set -euo pipefail

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

if ! have prometheus; then
  have apt-get || die "missing: prometheus. Install Prometheus (2.x) with your package manager."
  apt_install prometheus
  quiet_service
fi
have prometheus || die "prometheus is not installed"

prometheus --version 2>&1 | head -n 1
