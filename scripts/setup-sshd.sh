#!/usr/bin/env bash
# Make sure this host can run the ssh:// endpoint tests (test/integration/ssh-endpoint.test.ts):
#
#   - the OpenSSH client (ssh), which faultline runs to reach an ssh:// Docker endpoint
#   - the OpenSSH server binary (sshd), which the test starts itself on a free loopback port with
#     its own configuration, host key and authorized keys in a temporary directory
#
# No ssh service is enabled or started and nothing under /etc/ssh is used by the test. Idempotent
# and silent when both are present. Missing packages are installed with apt-get when running as
# root (or with passwordless sudo); otherwise it says what to install and fails.
set -euo pipefail

tmp=${TMPDIR:-/tmp}
apt_log=$tmp/faultline-apt.log


script=setup-sshd
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pkgs=()
have ssh || pkgs+=(openssh-client)
have sshd || pkgs+=(openssh-server)

if ((${#pkgs[@]} > 0)); then
  have apt-get || die "missing: ${pkgs[*]}. Install the equivalent packages with your package manager."
  can_be_root || die "missing: ${pkgs[*]}. Install them with: sudo apt-get install ${pkgs[*]}"
  say "installing ${pkgs[*]} (apt-get, log: $apt_log)"
  : >"$apt_log"

  # The package's install script would start the system ssh service; the test starts its own sshd.
  # A policy-rc.d that says "no" keeps it stopped (Docker images usually ship one already).
  policy=/usr/sbin/policy-rc.d
  placed_policy=0
  if [[ ! -e $policy ]]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >"$1" && chmod 755 "$1"' sh "$policy"
    placed_policy=1
  fi
  cleanup() { if [[ $placed_policy == 1 ]]; then as_root rm -f "$policy"; fi; }
  trap cleanup EXIT

  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "apt-get update failed (full log: $apt_log)"
  fi
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" \
    >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "apt-get install ${pkgs[*]} failed (full log: $apt_log)"
  fi
fi

have ssh || die "ssh is not installed"
have sshd || die "sshd is not installed"

# sshd refuses to start as root without its privilege separation directory, which the system
# service would create; it lives on /run, so it is gone after a reboot.
if [[ ! -d /run/sshd ]] && can_be_root; then
  as_root install -d -m 0755 /run/sshd
fi
