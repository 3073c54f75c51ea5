#!/usr/bin/env bash
# Run a Node.js script inside a real Linux kernel: Debian's user-mode-linux (linux.uml), booted as an
# ordinary process with this host's root file system (hostfs) as its own. The kernel tests use it to
# try faultline's tc commands on a kernel that has sch_netem when the host's kernel has not.
#
#   bash scripts/uml/run-in-uml.sh [options] [--] SCRIPT [ARG...]
#
# Options:
#   -w, --workdir DIR     directory shared with the guest (created if missing; default: a new temp dir).
#                         It receives init.sh (the generated init), console.log (the kernel console),
#                         guest.log (the script's stdout and stderr), guest.status (its exit code) and
#                         uml.pid; the script writes its own results there.
#   -m, --module NAME     load this kernel module, and the modules it depends on, before the script
#                         (repeatable; e.g. sch_netem, veth)
#   -t, --timeout SECS    kill the kernel if the script has not finished by then (default 120)
#       --mem SIZE        guest memory (default 256M)
#
# Inside the guest the script runs as `node SCRIPT ARG...` with the host's node binary, as root, from the
# current directory, with FAULTLINE_UML_WORKDIR set to the work directory. The guest mounts /proc, /sys and
# a private tmpfs on /run (so `ip netns add` never touches the host); everything else it writes lands on
# the host's file system, so a script must write only under the work directory.
#
# Environment: LINUX_UML, the user-mode-linux kernel to boot (default: linux.uml on PATH).
#
# Prints the work directory on stdout. Exit codes: 0 the script succeeded; 2 usage; 3 linux.uml or
# another requirement is missing; 4 the guest did not finish in time; 5 the script failed; 6 the kernel
# stopped without the script finishing (see console.log).
set -uo pipefail

say() { echo "run-in-uml: $*" >&2; }
usage() {
  say "$*"
  say "usage: run-in-uml.sh [-w DIR] [-m MODULE]... [-t SECONDS] [--mem SIZE] [--] SCRIPT [ARG...]"
  exit 2
}

workdir=""
timeout=120
mem=256M
modules=()
while (($# > 0)); do
  case $1 in
  -w | --workdir | -m | --module | -t | --timeout | --mem) (($# >= 2)) || usage "$1 needs a value" ;;
  esac
  case $1 in
  -w | --workdir) workdir=$2 && shift 2 ;;
  -m | --module) modules+=("$2") && shift 2 ;;
  -t | --timeout) timeout=$2 && shift 2 ;;
  --mem) mem=$2 && shift 2 ;;
  --) shift && break ;;
  -*) usage "unknown option $1" ;;
  *) break ;;
  esac
done
(($# > 0)) || usage "no script given"
[[ $timeout =~ ^[0-9]+$ ]] || usage "--timeout expects whole seconds, got '$timeout'"
script=$(realpath -e -- "$1" 2>/dev/null) || usage "no such script: $1"
shift

# -------------------------------------------------------------------------------------------------
# Requirements
# -------------------------------------------------------------------------------------------------
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
uml=$(command -v "${LINUX_UML:-linux.uml}") || {
  say "${LINUX_UML:-linux.uml} not found: this needs Debian's user-mode-linux package."
  say "install it with: sudo apt-get install -y user-mode-linux   (or run: bash scripts/setup-host.sh)"
  exit 3
}
busybox=$(command -v busybox) || {
  say "busybox not found (the guest uses it for insmod and poweroff): sudo apt-get install -y busybox-static"
  exit 3
}
node=$(command -v node) || {
  say "node not found on PATH"
  exit 3
}
node=$(realpath -e "$node")
version=$("$uml" --version 2>/dev/null | head -n 1)
moddir=/usr/lib/uml/modules/$version
[[ -n $version && -f $moddir/modules.dep ]] || {
  say "no modules for the UML kernel '$version' under /usr/lib/uml/modules: reinstall user-mode-linux"
  exit 3
}

# Each requested module after the modules it depends on (modules.dep lists them, deepest last).
kos=()
add_ko() {
  local rel=$1 dep line
  [[ " ${kos[*]-} " == *" $moddir/$rel "* ]] && return 0
  line=$(grep -m 1 "^$rel:" "$moddir/modules.dep") || return 1
  local -a deps
  read -r -a deps <<<"${line#*:}"
  for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
    dep=${deps[i]}
    [[ " ${kos[*]-} " == *" $moddir/$dep "* ]] || kos+=("$moddir/$dep")
  done
  kos+=("$moddir/$rel")
}
for name in "${modules[@]}"; do
  rel=$(grep -m 1 -o -E "^([^:]*/)?${name}\.ko" "$moddir/modules.dep") ||
    {
      say "the UML kernel $version has no module '$name' (see $moddir/modules.dep)"
      exit 3
    }
  add_ko "$rel"
done

if [[ -z $workdir ]]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/faultline-uml.XXXXXX")
fi
if ! mkdir -p "$workdir" || ! workdir=$(realpath -e "$workdir"); then
  say "cannot create the work directory $workdir"
  exit 2
fi
rm -f "$workdir/guest.status" "$workdir/guest.log" "$workdir/console.log" "$workdir/uml.pid"

# -------------------------------------------------------------------------------------------------
# The guest's init: mounts, modules, the script, then power off (init must never return).
# -------------------------------------------------------------------------------------------------
init=$workdir/init.sh
# shellcheck disable=SC1003,SC2016 # the quoted text is the guest's script, expanded there
{
  echo '#!/bin/bash'
  echo '# Generated by scripts/uml/run-in-uml.sh: init (pid 1) of a user-mode-linux guest.'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8'
  echo 'mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t tmpfs -o mode=0755 tmpfs /run'
  printf 'busybox=%q\nworkdir=%q\n' "$busybox" "$workdir"
  echo 'for ko in \'
  for ko in "${kos[@]}"; do printf '  %q \\\n' "$ko"; done
  echo '  ; do "$busybox" insmod "$ko" || echo "run-in-uml: insmod $ko failed"; done'
  printf 'cd %q || exit 1\n' "$PWD"
  printf 'FAULTLINE_UML_WORKDIR="$workdir" %q %q' "$node" "$script"
  for arg in "$@"; do printf ' %q' "$arg"; done
  echo ' >"$workdir/guest.log" 2>&1 </dev/null'
  echo 'echo $? >"$workdir/guest.status"'
  # hostfs writes go through the guest's page cache: flush them before the power goes.
  echo 'sync'
  echo '"$busybox" poweroff -f'
} >"$init"
chmod +x "$init"

# -------------------------------------------------------------------------------------------------
# Boot, wait, and make sure nothing of the kernel is left running.
# -------------------------------------------------------------------------------------------------
# In a session of its own, so its whole process group (the kernel and its guest processes, which are
# host processes too) can be stopped together.
setsid "$uml" "mem=$mem" root=/dev/root rootfstype=hostfs rootflags=/ rw "init=$init" \
  con=null con0=fd:0,fd:1 "uml_dir=$workdir" umid=faultline-kernel-test \
  </dev/null >"$workdir/console.log" 2>&1 &
pid=$!
echo "$pid" >"$workdir/uml.pid"

# Waits (up to 10 s) until no process of the kernel's group is left: killed processes take a moment
# to release the guest's memory.
wait_group_gone() {
  for _ in $(seq 100); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "processes of the UML kernel (process group $pid) are still there"
}
# SIGKILL, not SIGTERM: the kernel's own clean-up on SIGTERM can hang halfway.
stop_uml() {
  kill -0 -- "-$pid" 2>/dev/null || return 0
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  wait_group_gone
}
trap stop_uml EXIT
trap 'stop_uml; exit 130' INT TERM

deadline=$((SECONDS + timeout))
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    stop_uml
    if [[ -e $workdir/guest.log ]]; then
      say "the script did not finish within ${timeout}s; last lines of its output ($workdir/guest.log):"
      tail -n 40 "$workdir/guest.log" >&2
    else
      say "the kernel did not boot within ${timeout}s (the script never started); last lines of the console:"
      tail -n 20 "$workdir/console.log" >&2
    fi
    say "kernel console: $workdir/console.log"
    exit 4
  fi
  sleep 0.2
done
wait "$pid" 2>/dev/null
# The guest's processes die with its kernel; make sure of it.
stop_uml

if [[ ! -s $workdir/guest.status ]]; then
  say "the kernel stopped before the script finished; kernel console ($workdir/console.log):"
  tail -n 30 "$workdir/console.log" >&2
  exit 6
fi
status=$(<"$workdir/guest.status")
if [[ $status != 0 ]]; then
  say "the script failed in the guest (exit $status); its output ($workdir/guest.log):"
  tail -n 60 "$workdir/guest.log" >&2
  say "kernel console: $workdir/console.log"
  exit 5
fi
echo "$workdir"
