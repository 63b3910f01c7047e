#!/usr/bin/env bash
# Makes the images the Kubernetes executor's integration tests run and imports them into the test cluster's containerd
# (namespace k8s.io), without docker or any registry: each image is a one-layer docker-archive tarball for
# `ctr images import`.
#   localhost/pause:1, localhost/busybox:1  made by scripts/kubernetes/build-cluster.sh (in its images/ directory)
#   localhost/slipway-python:1              made here: the interpreter of the repository's .venv (its binary, standard
#                                           library and the shared libraries ldd lists), the venv's copy of the pinned
#                                           wandb of requirements-test.txt with exactly the distributions wandb needs
#                                           (not ray), busybox applets for /bin/sh, the host's CA bundle if it has one.
#                                           `python` is /opt/venv/bin/python; a 150-210 MB tarball, built in ~5 s.
# Idempotent: the Python image is rebuilt only when its recipe changed (RECIPE_VERSION below, the wandb pin, the
# venv's pyvenv.cfg or its site-packages); a tarball is imported again only when it changed since its last import or
# containerd lacks its image. Before it is packed, the image's Python runs wandb.init(mode="offline") in a chroot.
# Needs build-cluster.sh's output and .venv (it runs scripts/setup-python.sh when .venv lacks the wandb pin).
# Run as root.
# scripts/kubernetes/start-cluster.sh runs it once containerd is up; run on its own while the cluster runs, it
# rebuilds and imports there; with the cluster stopped it only builds (the next start imports).
# Usage: build-test-images.sh [--check]   --check: exit 0 if everything is built and imported, 1 if not; no changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

# Bump when the Python image's recipe changes: a tarball made by another version is rebuilt.
RECIPE_VERSION=1
VERSION=${SLIPWAY_K8S_VERSION:-v1.34.4}
K8S_HOME=${SLIPWAY_K8S_HOME:-/opt/slipway-k8s}
CLUSTER_IMAGES=$K8S_HOME/$VERSION/images
TEST_IMAGES=$K8S_HOME/test-images
PYTHON_TAR=$TEST_IMAGES/slipway-python.tar
PYTHON_REF=localhost/slipway-python:1
STATE=/tmp/slipway-k8s
SOCK=$STATE/containerd/containerd.sock
STAMPS=$STATE/containerd/imported
LOCK=/tmp/slipway-k8s-images.lock
VENV=$ROOT/.venv
LABEL=org.slipway.test-image

say() { echo "kubernetes/build-test-images: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# What the Python image is made from; a change means a rebuild.
python_recipe() {
  local pin
  pin=$(grep -E '^wandb==' "$ROOT/requirements-test.txt") || die "no wandb==<version> line in requirements-test.txt"
  [ -f "$VENV/pyvenv.cfg" ] || return 0
  echo "recipe=$RECIPE_VERSION $pin cfg=$(sha256sum <"$VENV/pyvenv.cfg" | cut -c1-16)" \
    "site=$(stat -c %Y "$VENV"/lib/python3*/site-packages 2>/dev/null | head -n 1)"
}
python_current() { [ -s "$PYTHON_TAR" ] && [ "$(cat "$PYTHON_TAR.recipe" 2>/dev/null)" = "$(python_recipe)" ]; }

tarballs() {
  local t
  for t in "$CLUSTER_IMAGES"/*.tar "$PYTHON_TAR"; do [ -f "$t" ] && echo "$t"; done
}
stamp_of() { echo "$STAMPS/$(basename "$1").stamp"; }
# "size mtime" of tarball $1: what its import stamp records.
identity() { stat -c '%s %Y' "$1"; }
imported_current() { [ "$(cut -d' ' -f1,2 "$(stamp_of "$1")" 2>/dev/null)" = "$(identity "$1")" ]; }

if [ "${1:-}" = --check ]; then
  python_current || exit 1
  [ -f "$CLUSTER_IMAGES/busybox.tar" ] && [ -f "$CLUSTER_IMAGES/pause.tar" ] || exit 1
  while read -r t; do imported_current "$t" || exit 1; done < <(tarballs)
  exit 0
fi
[ $# = 0 ] || die "usage: build-test-images.sh [--check]"
[ "$(id -u)" = 0 ] || die "must run as root (it writes $K8S_HOME and imports into containerd)"

exec 8>"$LOCK"
flock -w 600 8 || die "timed out waiting for the lock $LOCK (another build-test-images.sh still running?)"

for t in pause busybox; do
  [ -f "$CLUSTER_IMAGES/$t.tar" ] || die "$CLUSTER_IMAGES/$t.tar is missing; run bash scripts/kubernetes/build-cluster.sh"
done

# image REF OUT.tar ROOTFS CONFIG_FIELDS: a docker-archive tarball of one layer, ROOTFS owned by root.
image() {
  local ref=$1 out=$2 rootfs=$3 fields=$4 dir digest
  dir=$(mktemp -d "$TEST_IMAGES/.archive.XXXXXX")
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$dir/layer.tar" .
  digest=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}\n' \
    "$fields" "$digest" >"$dir/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]\n' "$ref" >"$dir/manifest.json"
  tar -C "$dir" -cf "$out.tmp" manifest.json config.json layer.tar
  mv "$out.tmp" "$out"
  rm -rf "$dir"
}

build_python() {
  local pin py recipe work root started lib libs elf missing got certs=
  started=$SECONDS
  recipe=$(python_recipe)
  pin=$(grep -E '^wandb==' "$ROOT/requirements-test.txt")
  py=$VENV/bin/python
  got=$("$py" -c 'import wandb; print(wandb.__version__)' 2>/dev/null) || got=
  if [ "wandb==$got" != "$pin" ]; then
    say "$VENV lacks $pin: running scripts/setup-python.sh"
    bash "$ROOT/scripts/setup-python.sh" >&2 || die "scripts/setup-python.sh failed"
    recipe=$(python_recipe)
    got=$("$py" -c 'import wandb; print(wandb.__version__)') || die "$py cannot import wandb"
    [ "wandb==$got" = "$pin" ] || die "$VENV has wandb $got, not $pin"
  fi
  [ "$(uname -m)" = x86_64 ] || die "the image config says amd64; this machine is $(uname -m)"
  mkdir -p "$TEST_IMAGES"
  work=$(mktemp -d "$TEST_IMAGES/.build.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  root=$work/rootfs
  mkdir -p "$root"/{bin,usr/bin,etc/ssl/certs,tmp,root,proc,sys,dev,opt}
  chmod 1777 "$root/tmp"

  # The interpreter and its standard library under /opt/python, a venv at /opt/venv (home = /opt/python/bin) holding
  # the distributions wandb requires, found through their metadata and copied file by file from their RECORDs.
  # Prints every ELF file of the rootfs, for ldd.
  "$py" - "$root" wandb >"$work/elf.list" <<'PY'
import importlib.metadata as md
import os
import re
import shutil
import sys

from packaging.requirements import Requirement  # a wandb dependency, so it is in the venv

root, top = sys.argv[1], sys.argv[2]
short = "%d.%d" % sys.version_info[:2]
stdlib = os.path.dirname(os.__file__)
dynload = next(p for p in sys.path if os.path.basename(p) == "lib-dynload" and os.path.isdir(p))
site = next(p for p in sys.path if p.startswith(sys.prefix) and os.path.basename(p) == "site-packages")
prefix = os.path.join(root, "opt/python")
venv = os.path.join(root, "opt/venv")
skip = {"site-packages", "dist-packages", "lib-dynload", "test", "idlelib", "tkinter", "turtledemo", "ensurepip"}


def ignore(directory, names):
    if directory != stdlib:
        return []
    return [n for n in names if n in skip or n.startswith("config-")]


os.makedirs(os.path.join(prefix, "bin"))
shutil.copy2(os.path.realpath(sys._base_executable), os.path.join(prefix, "bin", "python" + short))
shutil.copytree(stdlib, os.path.join(prefix, "lib", "python" + short), ignore=ignore, ignore_dangling_symlinks=True)
shutil.copytree(dynload, os.path.join(prefix, "lib", "python" + short, "lib-dynload"))
os.makedirs(os.path.join(venv, "bin"))
for name in ("python", "python3", "python" + short):
    os.symlink("/opt/python/bin/python" + short, os.path.join(venv, "bin", name))
    if name != "python" + short:
        os.symlink("python" + short, os.path.join(prefix, "bin", name))
with open(os.path.join(venv, "pyvenv.cfg"), "w") as cfg:
    cfg.write("home = /opt/python/bin\ninclude-system-site-packages = false\nversion = %d.%d.%d\n" % sys.version_info[:3])

# Walks the requirements from `top`, with the extras asked for, markers evaluated for this interpreter.
wanted, todo = {}, [(top, frozenset())]
while todo:
    name, extras = todo.pop()
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in wanted and extras <= wanted[key][1]:
        continue
    dist = md.distribution(name)
    extras = extras | (wanted[key][1] if key in wanted else frozenset())
    wanted[key] = (dist, extras)
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
            todo.append((req.name, frozenset(req.extras)))
target = os.path.join(venv, "lib", "python" + short, "site-packages")
size = 0
for dist, _ in wanted.values():
    for file in dist.files or []:
        src = str(dist.locate_file(file))
        rel = os.path.relpath(src, site)
        if rel.startswith("..") or not os.path.isfile(src):
            continue  # console scripts in bin/, files a RECORD lists but the install lacks
        dst = os.path.join(target, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        size += os.path.getsize(dst)
print(f"{len(wanted)} distributions for {top} ({size >> 20} MB)", file=sys.stderr)

for directory, _, files in os.walk(root):
    for name in files:
        path = os.path.join(directory, name)
        if os.path.islink(path):
            continue
        with open(path, "rb") as f:
            if f.read(4) == b"\x7fELF":
                print(path)
PY

  # busybox for /bin/sh and friends (a static binary: no libraries).
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  ln -s /bin/busybox "$root/usr/bin/env"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$root/etc/nsswitch.conf"
  if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
    cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    certs=',"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"'
  fi

  # Every shared library an ELF file needs, at the path it has here (RUNPATHs stay right), and an ld.so.cache for them.
  while read -r elf; do ldd "$elf" 2>/dev/null || true; done <"$work/elf.list" >"$work/ldd.out"
  missing=$(awk '/not found/ {print $1}' "$work/ldd.out" | sort -u | tr '\n' ' ')
  [ -z "$missing" ] || say "note: no $missing here (an optional module needs it; it was not usable here either)"
  libs=$(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(/ {print $1}' "$work/ldd.out" | sort -u)
  for lib in $libs; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  for lib in $libs; do dirname "$lib"; done | sort -u >"$root/etc/ld.so.conf"
  ldconfig -r "$root"

  # The image's Python must run the SDK the way a test will: import, offline run, finish.
  local check='import tempfile, wandb
run = wandb.init(mode="offline", dir=tempfile.mkdtemp(), project="slipway-image-check")
run.log({"x": 1})
run.finish()
print(wandb.__version__)'
  # shellcheck disable=SC2016 # $1 and $2 are the inner sh's
  got=$(unshare --mount --pid --fork --mount-proc="$root/proc" sh -c \
    'mount --rbind /dev "$1/dev" && exec chroot "$1" /usr/bin/env -i PATH=/opt/venv/bin:/bin HOME=/root LANG=C.UTF-8 \
      WANDB_SILENT=true python -c "$2"' sh "$root" "$check" 2>"$work/check.err" | tail -n 1) || true
  if [ "wandb==$got" != "$pin" ]; then
    tail -n 20 "$work/check.err" >&2
    die "the image's python cannot run wandb.init(mode=\"offline\") (printed \"$got\"); see above"
  fi
  rm -rf "${root:?}"/tmp/* "$root/root/.config" "$root/root/.cache"

  image "$PYTHON_REF" "$PYTHON_TAR" "$root" \
    "\"Env\":[\"PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin\",\"LANG=C.UTF-8\"$certs],\"Cmd\":[\"python3\"],\"Labels\":{\"$LABEL\":\"python/$RECIPE_VERSION\"}"
  echo "$recipe" >"$PYTHON_TAR.recipe"
  rm -rf "$work"
  trap - EXIT
  say "built $PYTHON_REF ($(du -m "$PYTHON_TAR" | cut -f1) MB tarball) in $((SECONDS - started)) s: $PYTHON_TAR"
}

if python_current; then
  say "$PYTHON_REF is current ($PYTHON_TAR)"
else
  build_python
fi

# --- import into the cluster's containerd, if it runs ----------------------------------------------------------------
# ctr waits 10 s for a socket that is not there.
if ! [ -S "$SOCK" ] || ! timeout 10 ctr -a "$SOCK" version >/dev/null 2>&1; then
  say "the cluster's containerd is not running: bash scripts/kubernetes/start-cluster.sh imports the images"
  exit 0
fi
mkdir -p "$STAMPS"
present=$(ctr -a "$SOCK" -n k8s.io images ls -q)
while read -r t; do
  # The tag as the archive's manifest.json says (the first member; --occurrence stops reading there).
  ref=$(tar -xOf "$t" --occurrence=1 manifest.json | sed -n 's/.*"RepoTags":\["\([^"]*\)".*/\1/p')
  [ -n "$ref" ] || die "$t has no RepoTags in its manifest.json"
  if imported_current "$t" && grep -qxF "$ref" <<<"$present"; then continue; fi
  t0=$SECONDS
  ctr -a "$SOCK" -n k8s.io images import "$t" >/dev/null || die "ctr images import $t failed"
  echo "$(identity "$t") $ref" >"$(stamp_of "$t")"
  say "imported $ref in $((SECONDS - t0)) s"
done < <(tarballs)
