# Shared by the setup scripts: `source` it after setting `script` to the script's name.
# say/die print with that name; as_root runs a command as root directly or through passwordless sudo.

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
