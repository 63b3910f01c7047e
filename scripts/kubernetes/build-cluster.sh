#!/usr/bin/env bash
# Builds the Kubernetes test cluster's parts for the Kubernetes executor's integration tests, from the Go module proxy
# and Debian packages only (no release downloads, no container registry):
#   - Debian: containerd, runc, the CNI plugins, busybox-static (the test images' userland);
#   - Go: kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl and etcd of ${SLIPWAY_K8S_VERSION}
#     (default v1.34.4: the last minor whose kubelet starts on cgroup v1 without opting in), CoreDNS, and a tiny pause
#     binary for pod sandboxes;
#   - images as docker-archive tarballs (localhost/pause:1, localhost/busybox:1) for `ctr images import`.
# Everything lands in ${SLIPWAY_K8S_HOME:-/opt/slipway-k8s}, a fixed directory: a later run on the same machine finds
# the binaries and skips the Go work (a cold build is ~15 minutes on 2 cores, a warm re-run is 0 s). The directory
# is keyed by version, so changing the version builds beside the old one.
# Facts behind the choices: shared reference kubernetes-cluster/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# shellcheck source=../lib/apt.sh
. "$ROOT/scripts/lib/apt.sh"

VERSION=${SLIPWAY_K8S_VERSION:-v1.34.4}
COREDNS_VERSION=${SLIPWAY_COREDNS_VERSION:-v1.12.4}
HOME_DIR=${SLIPWAY_K8S_HOME:-/opt/slipway-k8s}/$VERSION
BIN=$HOME_DIR/bin
IMAGES=$HOME_DIR/images
SRC=$HOME_DIR/src
export GOMODCACHE=${GOMODCACHE:-$HOME_DIR/../gomod}
export GOCACHE=${GOCACHE:-$HOME_DIR/../gocache}
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
export PATH=/usr/local/go/bin:$PATH
mkdir -p "$BIN" "$IMAGES" "$SRC"

say() { echo "build-cluster $(date +%T): $*" >&2; }
started=$SECONDS

# ---- Debian packages. A containerd/runc already on the PATH (Docker's containerd.io on some runners) is reused.
missing=()
for pkg in containerd runc containernetworking-plugins busybox-static iproute2 openssl; do
  case $pkg in containerd | runc) command -v "$pkg" >/dev/null && continue ;; esac
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  apt_get update -qq
  # Exit 101 from policy-rc.d keeps the package scripts from starting a system-wide containerd.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy = 0 ] || rm -f /usr/sbin/policy-rc.d
fi
# ---- Go >= 1.24 (Kubernetes v1.34 needs it). Machines of this kind have it; elsewhere the toolchain is fetched once
# from the Go module proxy (golang.org/toolchain, the zip `GOTOOLCHAIN` itself downloads) into $HOME_DIR/../go.
go_recent() { "$1" version 2>/dev/null | grep -Eq 'go1\.(2[4-9]|[3-9][0-9])'; }
if ! command -v go >/dev/null || ! go_recent go; then
  toolchain=$HOME_DIR/../go
  if ! go_recent "$toolchain/bin/go"; then
    go_version=${SLIPWAY_GO_VERSION:-go1.26.8}
    proxy=${GOPROXY:-https://proxy.golang.org}
    proxy=${proxy%%,*}
    say "no Go >= 1.24 here; fetching $go_version from $proxy"
    zip=$(mktemp --suffix=.zip)
    curl -fsSL "$proxy/golang.org/toolchain/@v/v0.0.1-$go_version.linux-amd64.zip" -o "$zip"
    rm -rf "$toolchain" "$toolchain.unpack"
    mkdir -p "$toolchain.unpack"
    python3 -m zipfile -e "$zip" "$toolchain.unpack"
    mv "$toolchain.unpack/golang.org/toolchain@v0.0.1-$go_version.linux-amd64" "$toolchain"
    rm -rf "$toolchain.unpack" "$zip"
    # zipfile does not keep modes: the tools must be executable.
    chmod -R a+x "$toolchain/bin" "$toolchain/pkg/tool"
  fi
  export PATH=$toolchain/bin:$PATH
fi

# ---- Kubernetes and etcd. k8s.io/kubernetes replaces its staging modules with ./staging paths, so it cannot be
# `go install`ed; a wrapper module requiring it, with each staging module pointed at its published v0.x tag, builds.
have_all=1
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl etcd; do
  [ -x "$BIN/$b" ] || have_all=0
done
if [ $have_all = 0 ]; then
  wrapper=$SRC/kubernetes
  if [ ! -f "$wrapper/go.sum" ]; then
    say "wrapper module for k8s.io/kubernetes $VERSION"
    rm -rf "$wrapper"
    mkdir -p "$wrapper/etcd"
    printf 'module slipway.local/kubernetes\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n' "$VERSION" >"$wrapper/go.mod"
    upstream_mod=$(cd "$wrapper" && go mod download -json "k8s.io/kubernetes@$VERSION" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')
    {
      echo
      echo 'replace ('
      grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$upstream_mod" | awk -v v="v0.${VERSION#v1.}" '{print "\t" $1 " => " $1 " " v}' | sort -u
      echo ')'
    } >>"$wrapper/go.mod"
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' \
      >"$wrapper/etcd/main.go"
    printf '//go:build tools\n\npackage tools\n\nimport (\n' >"$wrapper/tools.go"
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl; do
      printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$cmd" >>"$wrapper/tools.go"
    done
    printf ')\n' >>"$wrapper/tools.go"
    (cd "$wrapper" && { go mod tidy -e >/dev/null 2>&1 || true; } && go mod download)
  fi
  minor=${VERSION#v1.}
  minor=${minor%%.*}
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  say "go build Kubernetes $VERSION and etcd (about 10 minutes cold on 2 cores)"
  t=$SECONDS
  (cd "$wrapper" && go build -trimpath -ldflags="$ldflags" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl ./etcd)
  say "Kubernetes built in $((SECONDS - t)) s"
fi

# ---- pause: the pod sandbox's process (waits for a signal, reaps orphans).
if [ ! -x "$BIN/pause" ]; then
  mkdir -p "$SRC/pause"
  printf 'module slipway.local/pause\n\ngo 1.22\n' >"$SRC/pause/go.mod"
  cp "$ROOT/scripts/kubernetes/pause.go" "$SRC/pause/main.go"
  (cd "$SRC/pause" && go build -trimpath -ldflags="-s -w" -o "$BIN/pause" .)
fi

# ---- CoreDNS: answers <pod>.<headless service> names, which multi-node jobs rendezvous on.
if [ ! -x "$BIN/coredns" ]; then
  say "go install CoreDNS $COREDNS_VERSION (about 4 minutes cold)"
  t=$SECONDS
  GOBIN=$BIN go install -trimpath -ldflags="-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  say "CoreDNS built in $((SECONDS - t)) s"
fi

# ---- Images, without docker or a registry: one-layer docker-archive tarballs.
# image REF OUT.tar ROOTFS CONFIG_FIELD
image() {
  local ref=$1 out=$2 rootfs=$3 field=$4 work digest
  work=$(mktemp -d)
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$work/layer.tar" .
  digest=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}\n' \
    "$field" "$digest" >"$work/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]\n' "$ref" >"$work/manifest.json"
  tar -C "$work" -cf "$out.tmp" manifest.json config.json layer.tar
  mv "$out.tmp" "$out"
  rm -rf "$work"
}
if [ ! -f "$IMAGES/pause.tar" ]; then
  rootfs=$(mktemp -d)
  install -m 0755 "$BIN/pause" "$rootfs/pause"
  image localhost/pause:1 "$IMAGES/pause.tar" "$rootfs" '"Entrypoint":["/pause"]'
  rm -rf "$rootfs"
fi
if [ ! -f "$IMAGES/busybox.tar" ]; then
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs"/{bin,tmp,etc,proc,sys,dev,root}
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  image localhost/busybox:1 "$IMAGES/busybox.tar" "$rootfs" '"Cmd":["sh"]'
  rm -rf "$rootfs"
fi

say "ready in $((SECONDS - started)) s: $BIN"
