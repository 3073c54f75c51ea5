#!/usr/bin/env bash
# Inside a user-mode-linux guest (scripts/uml/run-in-uml.sh): switch the guest to cgroup v2 and start
# this host's dockerd there, with everything it writes on the guest's own tmpfs (/run). The kernel tests
# use it to try faultline against a real cgroup v2 Engine on a host whose own kernel is cgroup v1.
#
#   bash scripts/uml/docker-v2.sh [DIR]       (default DIR: /run/faultline-docker-v2; must be on a tmpfs)
#
# Mounts cgroup2 on /sys/fs/cgroup, enables the cpu, memory, pids and io controllers for the root's
# children, and starts dockerd in a session of its own (cgroupfs driver, no bridge, no iptables, overlay2
# when the overlay module is loaded, vfs otherwise). Its socket is DIR/docker.sock; its log DIR/dockerd.log.
# Returns once the Engine answers (exit 0) or after 60 s (exit 1, with the log's last lines).
set -uo pipefail

dir=${1:-/run/faultline-docker-v2}
say() { echo "docker-v2: $*" >&2; }

for tool in dockerd containerd runc docker; do
  command -v "$tool" >/dev/null || {
    say "$tool not found: the guest runs this host's Docker Engine (apt-get install -y docker.io)"
    exit 1
  }
done

if ! grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then
  mkdir -p /sys/fs/cgroup
  mount -t cgroup2 cgroup2 /sys/fs/cgroup || {
    say "cannot mount cgroup2 on /sys/fs/cgroup"
    exit 1
  }
fi
# The root cgroup may hold processes and still hand its controllers to children (v2 exempts it).
wanted=$(tr ' ' '\n' </sys/fs/cgroup/cgroup.controllers | grep -x -E 'cpu|memory|pids|io' | sed 's/^/+/' | tr '\n' ' ')
echo "$wanted" >/sys/fs/cgroup/cgroup.subtree_control || {
  say "cannot enable '$wanted' in /sys/fs/cgroup/cgroup.subtree_control"
  exit 1
}
ip link set lo up 2>/dev/null

driver=vfs
grep -qw overlay /proc/filesystems && driver=overlay2
mkdir -p "$dir/data" "$dir/exec" "$dir/tmp" "$dir/config"
# TMPDIR and DOCKER_CONFIG keep dockerd's and the CLI's files off the host's disk (hostfs).
TMPDIR=$dir/tmp DOCKER_CONFIG=$dir/config setsid dockerd \
  -H "unix://$dir/docker.sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
  --iptables=false --ip6tables=false --bridge=none --storage-driver "$driver" \
  --exec-opt native.cgroupdriver=cgroupfs --log-level warn \
  </dev/null >"$dir/dockerd.log" 2>&1 &

for _ in $(seq 600); do
  DOCKER_CONFIG=$dir/config docker -H "unix://$dir/docker.sock" version >/dev/null 2>&1 && exit 0
  kill -0 $! 2>/dev/null || break
  sleep 0.1
done
say "dockerd did not answer on $dir/docker.sock; last lines of $dir/dockerd.log:"
tail -n 30 "$dir/dockerd.log" >&2
exit 1
