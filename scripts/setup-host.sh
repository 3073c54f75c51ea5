#!/usr/bin/env bash
# Make sure this host can run faultline's test suite:
#
#   - a reachable Docker Engine (on Debian/Ubuntu without one: installs docker.io and starts dockerd)
#   - Docker Compose, v2 plugin (`docker compose`) or v1 (`docker-compose`)
#   - a static busybox, used by the offline fixture image build (fixtures/images/build.sh)
#   - ip (iproute2), iptables and nsenter (util-linux), used by the network faults
#   - stress-ng, from which the image of the CPU, memory and I/O stress helpers is built
#
# Idempotent and silent when everything is already in place; on a machine where Docker already
# runs it only checks. Missing packages are installed with apt-get when running as root (or with
# passwordless sudo); otherwise it says what to install and fails.
#
# Environment:
#   FAULTLINE_FIXTURE_DOCKERFILE=1   the fixture image is built from the Dockerfile: no busybox needed
#   FAULTLINE_DOCKERD_TIMEOUT        seconds to wait for a freshly started dockerd (default 60)
set -euo pipefail

tmp=${TMPDIR:-/tmp}
dockerd_log=$tmp/faultline-dockerd.log
apt_log=$tmp/faultline-apt.log
dockerd_timeout=${FAULTLINE_DOCKERD_TIMEOUT:-60}


script=setup-host
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

docker_answers() { have docker && timeout 10 docker info >/dev/null 2>&1; }

compose_works() {
  { have docker && docker compose version >/dev/null 2>&1; } ||
    { have docker-compose && docker-compose version >/dev/null 2>&1; }
}

is_static() {
  local out
  out=$(ldd "$1" 2>&1) || return 0
  [[ $out == *"statically linked"* || $out == *"not a dynamic executable"* ]]
}

static_busybox_present() {
  local candidate
  for candidate in /bin/busybox /usr/bin/busybox /usr/lib/busybox/busybox "$(command -v busybox || true)"; do
    [[ -n $candidate && -x $candidate ]] && is_static "$candidate" && return 0
  done
  return 1
}

# Docker Desktop (macOS, Windows) brings its own engine and VM: only check it.
if [[ $(uname -s) != Linux ]]; then
  docker_answers || die "Docker does not answer: start Docker Desktop (or your Docker engine)"
  compose_works || die "neither 'docker compose' nor 'docker-compose' works"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# 1. What is missing?
# ---------------------------------------------------------------------------------------------
engine_pkgs=() # installed with their recommended packages, as a normal Docker install would be
tool_pkgs=()   # installed with --no-install-recommends

docker_ok=0
if docker_answers; then
  docker_ok=1
elif ! have dockerd || ! have docker; then
  engine_pkgs+=(docker.io iptables)
fi

compose_ok=1
compose_works || { compose_ok=0 && tool_pkgs+=(docker-compose); }
if [[ ${FAULTLINE_FIXTURE_DOCKERFILE:-0} != 1 ]]; then
  static_busybox_present || tool_pkgs+=(busybox-static)
fi
have ip || tool_pkgs+=(iproute2)
have iptables || [[ " ${engine_pkgs[*]} " == *" iptables "* ]] || tool_pkgs+=(iptables)
have nsenter || tool_pkgs+=(util-linux)
have stress-ng || tool_pkgs+=(stress-ng) # the stress faults' helper image is built from it
have linux.uml || tool_pkgs+=(user-mode-linux) # test/kernel boots it: a real kernel with netem
[[ -x /usr/bin/chromium ]] || tool_pkgs+=(chromium) # test/browser opens the HTML report in it
have zsh || tool_pkgs+=(zsh)   # the completion tests check the zsh script's syntax
have fish || tool_pkgs+=(fish) # and complete with the fish script

# ---------------------------------------------------------------------------------------------
# 2. Install it (Debian/Ubuntu).
# ---------------------------------------------------------------------------------------------
# Its own install, not lib.sh's apt_install: the Engine's packages come with their recommends, and the
# package lists are refreshed first, once, for both calls.
host_apt_install() {
  local -a cmd=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@")
  if ! as_root "${cmd[@]}" >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "apt-get install $* failed (full log: $apt_log)"
  fi
}

if ((${#engine_pkgs[@]} + ${#tool_pkgs[@]} > 0)); then
  missing="${engine_pkgs[*]} ${tool_pkgs[*]}"
  missing=${missing# }
  missing=${missing% }
  have apt-get || die "missing: $missing. Install the equivalent packages with your package manager."
  can_be_root || die "missing: $missing. Install them with: sudo apt-get install $missing"
  say "installing $missing (apt-get, log: $apt_log)"
  : >"$apt_log"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "apt-get update failed (full log: $apt_log)"
  fi
  ((${#engine_pkgs[@]} == 0)) || host_apt_install "${engine_pkgs[@]}"
  ((${#tool_pkgs[@]} == 0)) || host_apt_install --no-install-recommends "${tool_pkgs[@]}"
fi

# ---------------------------------------------------------------------------------------------
# 3. Start the Docker Engine if it does not answer yet.
# ---------------------------------------------------------------------------------------------
dockerd_pid=""
show_dockerd_log() {
  if [[ -s $dockerd_log ]]; then
    say "last lines of $dockerd_log:"
    tail -n 30 "$dockerd_log" >&2
  fi
}
wait_for_docker() {
  local deadline=$((SECONDS + dockerd_timeout))
  until docker_answers; do
    if [[ -n $dockerd_pid && ! -d /proc/$dockerd_pid ]]; then
      say "dockerd exited during start-up"
      show_dockerd_log
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      say "Docker did not answer within ${dockerd_timeout}s"
      show_dockerd_log
      exit 1
    fi
    sleep 0.5
  done
}

if [[ $docker_ok == 0 ]] && ! docker_answers; then
  have docker || die "the docker CLI is not installed"
  if [[ -n ${DOCKER_HOST:-} && ${DOCKER_HOST} != unix:///var/run/docker.sock && ${DOCKER_HOST} != unix:///run/docker.sock ]]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST"
  fi
  info_err=$(timeout 10 docker info 2>&1 >/dev/null || true)
  if [[ $info_err == *"permission denied"* ]]; then
    die "Docker runs but $(id -un) may not use it: add yourself to the docker group (sudo usermod -aG docker $(id -un), then log in again)"
  fi

  if have pgrep && pgrep -x dockerd >/dev/null 2>&1; then
    say "dockerd is running but not answering yet, waiting"
  elif [[ -d /run/systemd/system ]] && systemctl cat docker.service >/dev/null 2>&1; then
    say "starting Docker (systemctl start docker)"
    as_root systemctl start docker || die "could not start Docker: run 'sudo systemctl start docker'"
  else
    can_be_root || die "the Docker Engine is not running and starting it needs root: run 'sudo dockerd'"
    say "starting dockerd in the background (log: $dockerd_log)"
    # A session of its own, so it outlives this script and the terminal or job that ran it.
    # shellcheck disable=SC2016 # expanded by the inner shell
    dockerd_pid=$(as_root sh -c 'setsid dockerd >"$1" 2>&1 </dev/null & echo $!' sh "$dockerd_log") ||
      die "could not start dockerd"
  fi
  wait_for_docker
fi

# ---------------------------------------------------------------------------------------------
# 4. Final checks.
# ---------------------------------------------------------------------------------------------
# (Docker itself was checked above; the compose check costs a Python start-up, so only repeat it
# after installing.)
[[ $compose_ok == 1 ]] || compose_works || die "neither 'docker compose' nor 'docker-compose' works"
if [[ ${FAULTLINE_FIXTURE_DOCKERFILE:-0} != 1 ]]; then
  static_busybox_present || die "no static busybox found (apt-get install busybox-static)"
fi
for tool in ip iptables nsenter; do
  have "$tool" || die "$tool is not installed"
done
