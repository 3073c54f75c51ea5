# Shared by the setup scripts: `source` it after setting `script` to the script's name.
# say/die print with that name; as_root runs a command as root directly or through passwordless sudo;
# apt_install installs Debian packages without starting their services.

# Administrative tools often live in sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

say() { echo "${script:-setup}: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Run a command as root: directly, or through passwordless sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif have sudo && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}
can_be_root() { [[ $EUID -eq 0 ]] || { have sudo && sudo -n true 2>/dev/null; }; }

# apt_install PACKAGE...: install Debian packages with apt-get, without recommends and without
# starting any service they ship (a policy-rc.d that says "no" is in place during the install, unless
# the host has one already; Docker images usually do). The package lists are refreshed only when they
# offer no candidate for one of the packages, or when the install from the old lists fails.
# Fails with what to do when there is no apt-get or no way to be root. Log: $TMPDIR/faultline-apt.log.
apt_install() {
  apt_log=${TMPDIR:-/tmp}/faultline-apt.log
  have apt-get || die "missing: $*. Install the equivalent packages with your package manager."
  can_be_root || die "missing: $*. Install them with: sudo apt-get install --no-install-recommends $*"
  say "installing $* (apt-get, log: $apt_log)"
  : >"$apt_log"

  apt_policy=/usr/sbin/policy-rc.d
  apt_placed_policy=0
  if [[ ! -e $apt_policy ]]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >"$1" && chmod 755 "$1"' sh "$apt_policy"
    apt_placed_policy=1
  fi
  trap apt_remove_policy EXIT

  local updated=0 package
  for package in "$@"; do
    if [[ -z $(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}') ]]; then
      apt_get update -q
      updated=1
      break
    fi
  done
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    >>"$apt_log" 2>&1; then
    # Old package lists may name versions the mirror no longer has.
    if ((updated)); then apt_failed "apt-get install $*"; fi
    apt_get update -q
    apt_get install -y -q --no-install-recommends "$@"
  fi
  apt_remove_policy
  trap - EXIT
}

apt_get() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$apt_log" 2>&1 || apt_failed "apt-get $1"
}
apt_failed() {
  tail -n 20 "$apt_log" >&2
  die "$1 failed (full log: $apt_log)"
}
apt_remove_policy() {
  if [[ $apt_placed_policy == 1 ]]; then
    as_root rm -f "$apt_policy"
    apt_placed_policy=0
  fi
}
