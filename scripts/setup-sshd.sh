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

script=setup-sshd
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pkgs=()
have ssh || pkgs+=(openssh-client)
have sshd || pkgs+=(openssh-server)

# The server package's install script would start the system ssh service; the test starts its own
# sshd, and apt_install keeps services from starting.
if ((${#pkgs[@]} > 0)); then
  apt_install "${pkgs[@]}"
fi

have ssh || die "ssh is not installed"
have sshd || die "sshd is not installed"

# sshd refuses to start as root without its privilege separation directory, which the system
# service would create; it lives on /run, so it is gone after a reboot.
if [[ ! -d /run/sshd ]] && can_be_root; then
  as_root install -d -m 0755 /run/sshd
fi
