#!/usr/bin/env bash
# Run the whole test suite on this host: prepare it (Docker Engine, npm dependencies, fixture image),
# then `npm test` (lint, type check, unit, integration and end-to-end tests against real Docker).
# Extra arguments go to vitest, e.g. `bash scripts/test.sh test/e2e`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/prepare.sh
# What only the tests need: Podman (its Docker-compatible API is an engine the tests fault through),
# an OpenSSH server binary (the ssh:// endpoint tests start their own on loopback) and a Prometheus
# server binary (the prometheus probe's and the detection tests start their own on loopback).
bash scripts/setup-podman.sh
bash scripts/setup-sshd.sh
bash scripts/setup-prometheus.sh
exec npm test -- "$@"
