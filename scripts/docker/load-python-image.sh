#!/usr/bin/env bash
# Loads localhost/slipway-python:1 (Python with the pinned wandb, busybox applets, tar) into the Docker daemon, for
# the tests that run the same Python recipe on every executor. The image is the one-layer docker-archive tarball that
# scripts/kubernetes/build-test-images.sh makes for the Kubernetes test cluster: no registry, no second recipe.
# Idempotent: loaded again only when the tarball changed since the last load or the daemon lacks the image.
# Needs the daemon (scripts/docker/start-dockerd.sh) and the tarball (scripts/kubernetes/build-test-images.sh).
set -euo pipefail
TAR=${SLIPWAY_K8S_HOME:-/opt/slipway-k8s}/test-images/slipway-python.tar
REF=localhost/slipway-python:1
STAMP=/var/lib/slipway-docker-python.loaded

say() { echo "docker/load-python-image: $*" >&2; }
[ -f "$TAR" ] || { say "$TAR is missing; run scripts/kubernetes/build-test-images.sh first"; exit 1; }
sum=$(stat -c '%s %Y' "$TAR")
if docker image inspect "$REF" >/dev/null 2>&1 && [ "$(cat "$STAMP" 2>/dev/null)" = "$sum" ]; then
  say "$REF already loaded"
  exit 0
fi
docker load -i "$TAR" >/dev/null
docker image inspect "$REF" >/dev/null 2>&1 || { say "$TAR did not hold $REF"; exit 1; }
mkdir -p "$(dirname "$STAMP")"
echo "$sum" >"$STAMP"
say "loaded $REF"
