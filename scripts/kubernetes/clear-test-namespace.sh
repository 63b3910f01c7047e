#!/usr/bin/env bash
# Deletes every Job of the test namespace (their pods, Secrets and Services go with them: they are owned) and its
# events, so that the Jobs of earlier test runs on this machine do not pile up on the one node. Needs the cluster of
# scripts/kubernetes/start-cluster.sh; returns at once (the garbage collector finishes in the background).
set -euo pipefail
CLUSTER_JSON=/tmp/slipway-k8s/cluster.json
[ -s "$CLUSTER_JSON" ] || {
  echo "clear-test-namespace: no cluster ($CLUSTER_JSON); run scripts/kubernetes/start-cluster.sh" >&2
  exit 1
}
read -r kubectl kubeconfig namespace < <(python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print(c["kubectl"], c["kubeconfig"], c["namespace"])' "$CLUSTER_JSON")
jobs=$("$kubectl" --kubeconfig "$kubeconfig" -n "$namespace" get jobs -o name | wc -l)
"$kubectl" --kubeconfig "$kubeconfig" -n "$namespace" delete jobs --all --cascade=background --wait=false >/dev/null
"$kubectl" --kubeconfig "$kubeconfig" -n "$namespace" delete events --all --wait=false >/dev/null
echo "clear-test-namespace: deleted $jobs Job(s) of earlier runs in $namespace" >&2
