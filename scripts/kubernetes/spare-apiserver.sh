#!/usr/bin/env bash
# spare-apiserver.sh start|stop: a second kube-apiserver of the test cluster on 127.0.0.1:6444 (same etcd, same
# PKI), with the admin kubeconfig pointed at it in /tmp/slipway-k8s/pki/spare.kubeconfig. The test that restarts an
# API server under a running job stops and starts this one: the other tests, on :6443, are not disturbed. Needs the
# cluster of scripts/kubernetes/start-cluster.sh. `start` is idempotent and returns once /readyz answers; `stop`
# kills it (SIGKILL, like a crash: a graceful stop would wait up to a minute for open watches and log streams) and
# returns once the process is gone. Prints the kubeconfig path after `start`.
set -euo pipefail
STATE=/tmp/slipway-k8s
PKI=$STATE/pki
BIN=$(dirname "$(python3 -c 'import json; print(json.load(open("/tmp/slipway-k8s/cluster.json"))["kubectl"])')")
PID_FILE=$STATE/pids/spare-apiserver.pid
KUBECONFIG_SPARE=$PKI/spare.kubeconfig
PORT=6444

alive() { [ -s "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

case ${1:-} in
  start)
    sed "s#https://127.0.0.1:6443#https://127.0.0.1:$PORT#" "$PKI/admin.kubeconfig" >"$KUBECONFIG_SPARE.tmp"
    chmod 600 "$KUBECONFIG_SPARE.tmp"
    mv "$KUBECONFIG_SPARE.tmp" "$KUBECONFIG_SPARE"
    if ! alive; then
      setsid -f sh -c 'echo $$ >"$0" && exec "$@"' "$PID_FILE" "$BIN/kube-apiserver" \
        --etcd-servers=http://127.0.0.1:23790 --bind-address=127.0.0.1 --secure-port=$PORT \
        --advertise-address=127.0.0.1 --endpoint-reconciler-type=none --service-cluster-ip-range=10.96.0.0/16 \
        --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
        --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
        --kubelet-client-key="$PKI/apiserver-kubelet-client.key" --kubelet-certificate-authority="$PKI/ca.crt" \
        --kubelet-preferred-address-types=InternalIP \
        --service-account-issuer=https://kubernetes.default.svc.cluster.local \
        --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
        --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --profiling=false --v=1 \
        </dev/null >>"$STATE/logs/spare-apiserver.log" 2>&1
    fi
    deadline=$((SECONDS + ${SLIPWAY_K8S_TIMEOUT:-120}))
    until "$BIN/kubectl" --kubeconfig "$KUBECONFIG_SPARE" get --raw /readyz >/dev/null 2>&1; do
      [ "$SECONDS" -lt "$deadline" ] || { echo "spare-apiserver: /readyz did not answer on :$PORT (see $STATE/logs/spare-apiserver.log)" >&2; exit 1; }
      sleep 0.1
    done
    echo "$KUBECONFIG_SPARE"
    ;;
  stop)
    if alive; then
      pid=$(cat "$PID_FILE")
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$PID_FILE"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
