#!/usr/bin/env bash
# Make sure this host can run faultline's Podman tests (test/integration/podman):
#
#   - podman (Debian's 4.3 serves the Docker-compatible API with `podman system service`), with runc,
#     netavark and aardvark-dns (container networks with name resolution, as compose projects need)
#   - a Docker Compose the tests can point at Podman's socket: docker-compose v1 (setup-host.sh
#     installs it) or podman-compose
#   - /etc/containers/containers.conf with what a container needs to start on a host like a CI
#     sandbox: runc (crun refuses a hybrid cgroup v1/v2 layout), cgroupfs (no systemd), and default
#     ulimits no higher than the host's (Podman otherwise raises RLIMIT_NOFILE and RLIMIT_NPROC, which
#     an unprivileged sandbox refuses with "error setting rlimit type 7: operation not permitted").
#     The file is written only when it is missing or was written by this script (first line below).
#
# Idempotent; prints one line. Missing packages are installed with apt-get when running as root (or
# with passwordless sudo); otherwise it says what to install and fails.
set -euo pipefail

conf=${FAULTLINE_CONTAINERS_CONF:-/etc/containers/containers.conf}
marker='# Written by faultline scripts/setup-podman.sh: delete this line to keep your own edits.'

script=setup-podman
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(uname -s) == Linux ]] || die "the Podman tests run on Linux only"

# ---------------------------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------------------------
pkgs=()
have podman || pkgs+=(podman)
have runc || pkgs+=(runc)
[[ -x /usr/lib/podman/netavark ]] || have netavark || pkgs+=(netavark)
[[ -x /usr/lib/podman/aardvark-dns ]] || have aardvark-dns || pkgs+=(aardvark-dns)
have docker-compose || have podman-compose || pkgs+=(podman-compose)

((${#pkgs[@]} == 0)) || apt_install "${pkgs[@]}"

# ---------------------------------------------------------------------------------------------
# 2. containers.conf
# ---------------------------------------------------------------------------------------------
wanted="$marker
[containers]
default_ulimits = [\"nofile=1024:1024\", \"nproc=1000:1000\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"

[network]
network_backend = \"netavark\""

conf_state=kept
if [[ ! -e $conf ]] || [[ $(head -n 1 "$conf") == "$marker" ]]; then
  if [[ ! -e $conf ]] || [[ $(cat "$conf") != "$wanted" ]]; then
    as_root mkdir -p "$(dirname "$conf")" || die "cannot create $(dirname "$conf") (run as root)"
    printf '%s\n' "$wanted" | as_root tee "$conf" >/dev/null || die "cannot write $conf (run as root)"
    conf_state=written
  else
    conf_state=ours
  fi
fi

version=$(podman version --format '{{.Client.Version}}' 2>/dev/null) || die "podman does not run: podman version failed"
compose=$(if have docker-compose; then echo docker-compose; else echo podman-compose; fi)
case $conf_state in
  kept) say "podman $version, $compose; $conf is not ours, left as it is (it needs runtime = \"runc\" and default_ulimits no higher than this host allows)" ;;
  *) say "podman $version, $compose, $conf $conf_state" ;;
esac
