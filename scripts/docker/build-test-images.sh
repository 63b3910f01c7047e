#!/usr/bin/env bash
# Builds the images the Docker executor's integration tests run, without any registry (docker import of a root
# file system made here), idempotently: an image that exists with the current recipe version is kept.
#   slipway-test/busybox:latest  static busybox (Debian busybox-static) with its applets in /bin (plus a printenv
#                                shim), root and a uid 1000 user in /etc/passwd, PATH=/bin, CMD ["/bin/sh"] (~2 MB)
#   slipway-test/noshell:latest  nothing but /hello, a 159-byte static x86-64 program that prints "hello" and exits
#                                0 whatever its arguments; no /bin, no /bin/sh; CMD ["/hello","true"]
# Needs a running daemon: run scripts/docker/start-dockerd.sh first (it also installs busybox-static).
# Prints each image's id and size at the end.
set -euo pipefail

# Bump when a recipe changes: images carrying another version are rebuilt.
RECIPE_VERSION=1
LABEL=org.slipway.test-image

say() { echo "build-test-images: $*" >&2; }

# Debian's 20.10 client matches the daemon; /usr/local/bin/docker (28.x, first on PATH) works for import too.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker || true); fi
if [ -z "$DOCKER" ]; then
  say "no docker client; run scripts/docker/start-dockerd.sh first"
  exit 1
fi
if ! "$DOCKER" version >/dev/null 2>&1; then
  say "the Docker daemon does not answer (${DOCKER_HOST:-unix:///var/run/docker.sock}); run scripts/docker/start-dockerd.sh first"
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Whether image $1 exists and was built from recipe $2 at this version (label value "$2/$RECIPE_VERSION").
current() {
  [ "$("$DOCKER" image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null)" = "$2/$RECIPE_VERSION" ]
}

# import NAME RECIPE ROOTFS [CHANGE...]: root file system directory -> image, owners kept numerically.
import() {
  local name=$1 recipe=$2 root=$3
  shift 3
  local changes=(-c "LABEL $LABEL=$recipe/$RECIPE_VERSION")
  local c old
  for c in "$@"; do changes+=(-c "$c"); done
  old=$("$DOCKER" image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
  tar -C "$root" --numeric-owner -cf - . |
    "$DOCKER" import "${changes[@]}" -m "slipway test image (scripts/docker/build-test-images.sh)" - "$name" >/dev/null
  say "built $name"
  # Drop the image this one replaced, unless something still uses it (another tag, a container): no -f.
  if [ -n "$old" ]; then "$DOCKER" rmi "$old" >/dev/null 2>&1 || true; fi
}

build_busybox() {
  local name=slipway-test/busybox:latest
  if current "$name" busybox; then
    say "$name exists"
    return
  fi
  if [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" != "install ok installed" ]; then
    say "busybox-static is not installed; run scripts/docker/start-dockerd.sh first (it installs it)"
    exit 1
  fi
  local root=$work/busybox
  mkdir -p "$root"/{bin,etc,tmp,root,home/user}
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  # Debian's busybox-static 1.35 has no printenv applet: a shim with the same output and exit status.
  if [ ! -e "$root/bin/printenv" ]; then
    cat >"$root/bin/printenv" <<'SH'
#!/bin/sh
# printenv [NAME...] (this busybox build lacks the applet): all variables, or the values of NAMEs, 1 if one is unset.
[ "$#" -eq 0 ] && exec env
exec awk 'BEGIN { rc = 0; for (i = 1; i < ARGC; i++) if (ARGV[i] in ENVIRON) print ENVIRON[ARGV[i]]; else rc = 1; exit rc }' "$@"
SH
    chmod 755 "$root/bin/printenv"
  fi
  # The commands a test may rely on, checked rather than assumed.
  for applet in sh env sleep cat echo true false printenv dd head id kill ls wc; do
    [ -e "$root/bin/$applet" ] || { say "busybox lacks the applet $applet"; exit 1; }
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'user:x:1000:1000:user:/home/user:/bin/sh' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'user:x:1000:' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  chown 1000:1000 "$root/home/user"
  import "$name" busybox "$root" 'ENV PATH=/bin' 'CMD ["/bin/sh"]'
}

# A minimal static ELF for x86-64 (one PT_LOAD segment at 0x400000, no libc):
#   write(1, "hello\n", 6); exit(0)
# Busybox cannot stand in: called as /hello it answers "hello: applet not found" and exits 127.
HELLO_ELF_X86_64=(
  # ELF header (64 bytes)
  7f454c46 02 01 01 00 00 00000000000000 # magic, 64-bit, little-endian, version 1, System V ABI 0, padding
  0200 3e00 01000000                  # e_type EXEC, e_machine x86-64, e_version
  7800400000000000                    # e_entry 0x400078 (the code below)
  4000000000000000                    # e_phoff 64
  0000000000000000                    # e_shoff (no sections)
  00000000 4000 3800 0100 0000 0000 0000 # e_flags, e_ehsize 64, e_phentsize 56, e_phnum 1, no section headers
  # program header (56 bytes): PT_LOAD, R+X, the whole file at 0x400000
  01000000 05000000 0000000000000000 0000400000000000 0000400000000000
  9f00000000000000 9f00000000000000 0010000000000000 # p_filesz = p_memsz = 159, p_align 4096
  # code (33 bytes) at file offset 120
  b801000000     # mov eax, 1        (write)
  bf01000000     # mov edi, 1        (stdout)
  488d3510000000 # lea rsi, [rip+16] (the message)
  ba06000000     # mov edx, 6
  0f05           # syscall
  b83c000000     # mov eax, 60       (exit)
  31ff           # xor edi, edi
  0f05           # syscall
  68656c6c6f0a   # "hello\n"
)

build_noshell() {
  local name=slipway-test/noshell:latest
  if current "$name" noshell; then
    say "$name exists"
    return
  fi
  local arch
  arch=$(uname -m)
  if [ "$arch" != x86_64 ]; then
    say "$name: the /hello program is written for x86_64 only, this machine is $arch"
    exit 1
  fi
  local root=$work/noshell hex
  mkdir -p "$root"
  hex=$(printf '%s' "${HELLO_ELF_X86_64[@]}")
  # shellcheck disable=SC2059,SC2001 # the format is the point: sed turns "7f45..." into "\x7f\x45...", printf into bytes
  printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$root/hello"
  if [ "$(stat -c %s "$root/hello")" != 159 ]; then
    say "internal error: /hello is $(stat -c %s "$root/hello") bytes, expected 159"
    exit 1
  fi
  chmod 755 "$root/hello"
  import "$name" noshell "$root" 'CMD ["/hello","true"]'
}

build_busybox
build_noshell

for name in slipway-test/busybox:latest slipway-test/noshell:latest; do
  "$DOCKER" image inspect --format '{{.Id}} {{.Size}}' "$name" | {
    read -r id size
    printf '%-30s %s %s bytes (%s KiB)\n' "$name" "${id#sha256:}" "$size" "$((size / 1024))"
  }
done
