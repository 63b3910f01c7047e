#!/usr/bin/env bash
# Starts a real 3-node Slurm cluster on this machine for the Slurm executor's integration tests (CI and local), as
# root, idempotently:
#   - if every daemon runs and `sinfo` over SSH through the jump host sees node1..node3 up, prints the summary, exit 0;
#   - else installs what is missing (Debian: munge, slurmctld, slurmd, slurm-client, openssh-server, socat; about
#     4 MB), stops whatever is left of an earlier cluster (scripts/slurm/stop-cluster.sh) and starts from scratch
#     (job ids restart at 1), then waits until slurmctld has run its first scheduling cycle and all nodes are idle.
# Concurrent callers serialise on a lock. Stop everything with scripts/slurm/stop-cluster.sh.
#
# Layout (state dir /tmp/slipway-slurm; facts behind the choices: shared reference slurm-cluster.md):
#   root netns     127.0.0.1:2222  socat -> `nsenter --net=<ctl netns> sshd -i` per connection: the login node
#                  127.0.0.2:2223  sshd daemon: the jump host (forwards only to 127.0.0.1:2222)
#                  munged (its unix socket is a path in the state dir, reachable from every netns)
#   netns slipway-slurm-ctl  br0 10.77.0.1/24  slurmctld (hostname slurmctl); login sessions (hostname login)
#     `- veth vnN <-> eth0 in netns slipway-slurm-nN  10.77.0.1N  slurmd nodeN (hostname nodeN), N = 1..3
# The 10.77.0.0/24 addresses exist only inside those namespaces (no interface, address or route in the root netns),
# so they cannot collide with the machine's networks; Docker's bridge and iptables are not touched. Every daemon has
# its own UTS namespace, so jobs on different nodes see different hostnames and IPs.
# Login user: `slipway` (home /tmp/slipway-slurm/home/slipway, shared by all nodes like an NFS home), public-key only:
# the key pair, known_hosts and an ssh client config (Host slurm-test, slurm-test-jump, slurm-test-via-jump) are in
# /tmp/slipway-slurm/ssh; /tmp/slipway-slurm/connection.json has the connection details for the tests.
# Jobs' Python: /opt/slipway-test/venv (Debian's python3 with the pinned wandb, readable by every user), made by
# scripts/slurm/setup-cluster-python.sh before anything else (also for an already running cluster), named as
# "python" in connection.json.
# Settings: SLIPWAY_SLURM_CPUS (CPUs advertised per node, default 8; on a running cluster it takes effect only after
# stop-cluster.sh), SLIPWAY_SLURM_TIMEOUT (seconds to wait for the cluster, default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source scripts/lib/apt.sh

STATE=/tmp/slipway-slurm
LOCK=/tmp/slipway-slurm.lock
NS_PREFIX=slipway-slurm
CTL_NS=$NS_PREFIX-ctl
SUBNET=10.77.0
CTL_IP=$SUBNET.1
NODES=(node1 node2 node3)
CPUS=${SLIPWAY_SLURM_CPUS:-8}
TIMEOUT=${SLIPWAY_SLURM_TIMEOUT:-60}
LOGIN_HOST=127.0.0.1
LOGIN_PORT=2222
JUMP_HOST=127.0.0.2
JUMP_PORT=2223
USER_NAME=slipway
HOME_DIR=$STATE/home/$USER_NAME
CONF=$STATE/etc/slurm.conf
SSH_DIR=$STATE/ssh
SSH_CONFIG=$SSH_DIR/config
MUNGE_SOCKET=$STATE/munge/run/munge.socket.2
# iptables: for the partition fault test, which drops the login node's packets inside a network namespace of its own.
PACKAGES=(munge slurmctld slurmd slurm-client openssh-server openssh-client socat iproute2 iptables)

say() { echo "start-cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
T0=$(now_ms)
secs() { printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }
TIMINGS=()
phase_start=$T0
phase_done() {
  local t
  t=$(now_ms)
  TIMINGS+=("$1 $(secs $((t - phase_start)))")
  phase_start=$t
}

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages, creates network namespaces and a user)"
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || die "SLIPWAY_SLURM_CPUS=$CPUS is not a positive integer"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "SLIPWAY_SLURM_TIMEOUT=$TIMEOUT is not a positive integer"

node_ip() { echo "$SUBNET.1${1#node}"; }
node_ns() { echo "$NS_PREFIX-n${1#node}"; }
ns_path() { echo "/run/netns/$1"; }

# Succeeds if the pid in pid file $1 is alive (not a zombie) and its program is $2.
pid_alive() {
  local pid line comm state
  [ -s "$1" ] || return 1
  read -r pid <"$1" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { read -r line <"/proc/$pid/stat"; } 2>/dev/null || return 1
  comm=${line#*(}
  comm=${comm%)*}
  state=${line##*) }
  state=${state%% *}
  [ "$comm" = "$2" ] && [ "$state" != Z ] && [ "$state" != X ]
}

ssh_via_jump() {
  timeout 20 ssh -F "$SSH_CONFIG" slurm-test-via-jump "$@" </dev/null
}

# Succeeds if every daemon runs and sinfo, over SSH through the jump host, shows all nodes up.
cluster_up() {
  local node out
  [ -s "$STATE/connection.json" ] && [ -s "$SSH_CONFIG" ] || return 1
  pid_alive "$STATE/munge/run/munged.pid" munged || return 1
  pid_alive "$STATE/run/slurmctld.pid" slurmctld || return 1
  pid_alive "$STATE/run/socat-login.pid" socat || return 1
  pid_alive "$STATE/run/sshd-jump.pid" sshd || return 1
  for node in "${NODES[@]}"; do
    pid_alive "$STATE/run/slurmd-$node.pid" slurmd || return 1
  done
  out=$(ssh_via_jump 'sinfo -h -N -o "%N %t"' 2>/dev/null) || return 1
  for node in "${NODES[@]}"; do
    # Up: idle, mixed, allocated or completing (jobs may run); not down, drained, unknown, not responding (*).
    grep -Eq "^$node (idle|mix|alloc|comp)\$" <<<"$out" || return 1
  done
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
versions() {
  echo "Slurm $(pkg_version slurmctld), munge $(pkg_version munge), OpenSSH $(pkg_version openssh-server)," \
    "socat $(pkg_version socat)"
}

joined() {
  local out='' item
  for item in "$@"; do out+="${out:+, }$item"; done
  echo "$out"
}

print_summary() {
  local node list=() phases
  for node in "${NODES[@]}"; do list+=("$node $(node_ip "$node")"); done
  phases=$(joined ${TIMINGS[@]+"${TIMINGS[@]}"})
  cat >&2 <<EOF
slurm-cluster: up ($(versions)); took $(secs $(($(now_ms) - T0)))${phases:+ ($phases)}
  login node:  ssh -F $SSH_CONFIG slurm-test   (= ssh -p $LOGIN_PORT -i $SSH_DIR/id_ed25519 -o UserKnownHostsFile=$SSH_DIR/known_hosts $USER_NAME@$LOGIN_HOST)
  jump host:   ssh -F $SSH_CONFIG slurm-test-jump ($JUMP_HOST:$JUMP_PORT); through it: ssh -F $SSH_CONFIG slurm-test-via-jump
  nodes:       $(joined "${list[@]}") (controller slurmctl $CTL_IP; partition debug; $CPUS CPUs each)
  python:      $CLUSTER_PYTHON (for jobs: Debian's python3 with $(grep -E '^wandb==' "$ROOT/requirements-test.txt"))
  details:     $STATE/connection.json; logs in $STATE/log; slurm commands as root: $STATE/bin/in-cluster sinfo
EOF
}

# Written whole, then renamed: tests may read it at any moment.
write_connection() {
  cat >"$STATE/connection.json.tmp" <<EOF
{
  "host": "$LOGIN_HOST",
  "port": $LOGIN_PORT,
  "user": "$USER_NAME",
  "identity": "$SSH_DIR/id_ed25519",
  "knownHosts": "$SSH_DIR/known_hosts",
  "jumpHost": "$JUMP_HOST",
  "jumpPort": $JUMP_PORT,
  "sshConfig": "$SSH_CONFIG",
  "slurmConf": "$CONF",
  "python": "$CLUSTER_PYTHON",
  "nodes": [$(printf '"%s", ' "${NODES[@]}" | sed 's/, $//')]
}
EOF
  mv "$STATE/connection.json.tmp" "$STATE/connection.json"
}
# Succeeds if connection.json names this script's python (one written by an older version does not).
connection_current() { grep -qF "\"python\": \"$CLUSTER_PYTHON\"," "$STATE/connection.json" 2>/dev/null; }

# --- jobs' Python --------------------------------------------------------------------------------------------------
# Its own lock; a few ms when ready (cold: see that script).
CLUSTER_PYTHON=$(bash "$ROOT/scripts/slurm/setup-cluster-python.sh") ||
  die "no Python for the cluster's jobs (scripts/slurm/setup-cluster-python.sh failed)"
phase_done "python"

# --- fast path ---------------------------------------------------------------------------------------------------
if cluster_up && connection_current; then
  print_summary
  exit 0
fi

exec 9>"$LOCK"
flock -w 300 9 || die "timed out waiting for the lock $LOCK (another start-cluster.sh still running?)"
if cluster_up; then
  # Up, but started by an older version of this script: only connection.json lacks something, no restart.
  connection_current || write_connection
  print_summary
  exit 0
fi
phase_done "check"

# --- packages ------------------------------------------------------------------------------------------------------
missing=()
for pkg in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  mkdir -p "$STATE/log"
  APT_LOG=$STATE/log/apt.log
  say "installing ${missing[*]} (log: $APT_LOG)"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts must not start munge, slurmctld, slurmd or an sshd on port 22: without systemd, invoke-rc.d
  # asks policy-rc.d (Docker-style images ship one that says 101, "do not start").
  created_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from slipway scripts/slurm/start-cluster.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt_install() {
    apt_get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >>"$APT_LOG" 2>&1
  }
  apt_update() { apt_get update -qq >>"$APT_LOG" 2>&1; }
  # apt-get update only when the package lists lack a package, or when installing from them fails (stale lists).
  need_update=
  for pkg in "${missing[@]}"; do
    apt-cache show "$pkg" >/dev/null 2>&1 || need_update=1
  done
  if [ -n "$need_update" ]; then
    apt_update || {
      tail -n 20 "$APT_LOG" >&2
      die "apt-get update failed"
    }
  fi
  if ! apt_install; then
    if [ -n "$need_update" ] || ! { apt_update && apt_install; }; then
      tail -n 20 "$APT_LOG" >&2
      die "apt-get install ${missing[*]} failed"
    fi
  fi
  if [ -n "$created_policy" ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  phase_done "install"
fi
for cmd in munged munge slurmctld slurmd sbatch sinfo sdiag /usr/sbin/sshd ssh ssh-keygen socat ip nsenter unshare \
  setpriv flock iptables; do
  command -v "$cmd" >/dev/null || die "$cmd not found after installing ${PACKAGES[*]}"
done
getent passwd munge >/dev/null || die "no user munge (the munge package creates it)"

# --- stop what is left, then configure -----------------------------------------------------------------------------
SLIPWAY_SLURM_LOCKED=1 bash "$ROOT/scripts/slurm/stop-cluster.sh" --quiet
phase_done "stop leftovers"

for addr in "$LOGIN_HOST:$LOGIN_PORT" "$JUMP_HOST:$JUMP_PORT"; do
  host=${addr%:*}
  port=${addr##*:}
  taken=$(ss -Hltnp "( sport = :$port )" 2>/dev/null |
    awk -v want="^(${host//./\\.}|0\\.0\\.0\\.0|\\*|\\[::\\]|\\[::ffff:${host//./\\.}\\]):$port\$" '$4 ~ want')
  [ -z "$taken" ] || die "$addr is taken, free it first: $taken"
done

# The subnet lives only in the cluster's namespaces, so nothing in the root netns can clash with it; still say so.
ip_to_int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  echo $(((a << 24) + (b << 16) + (c << 8) + d))
}
for net in $(ip -4 -o addr show | awk '{print $4}') $(ip -4 route show | awk '$1 != "default" {print $1}'); do
  len=${net#*/}
  [ "$len" != "$net" ] || len=32
  shorter=$((len < 24 ? len : 24))
  mask=$(((0xffffffff << (32 - shorter)) & 0xffffffff))
  if [ $(($(ip_to_int "${net%/*}") & mask)) = $(($(ip_to_int "$SUBNET.0") & mask)) ]; then
    say "note: the root netns has $net, which overlaps $SUBNET.0/24; no conflict, the cluster's addresses exist" \
      "only in its own namespaces (but jobs cannot reach $net)"
  fi
done

mkdir -p "$STATE"/{etc,run,log,bin,home} "$STATE"/slurm/{state,log,spool} "$SSH_DIR" /run/sshd
chmod 755 "$STATE" "$STATE"/{etc,run,log,bin,home,slurm} "$STATE"/slurm/{log,spool}
chmod 700 "$SSH_DIR" "$STATE/slurm/state"
# Fresh controller state every start: job ids restart at 1 and nothing from an earlier run is requeued.
rm -rf "${STATE:?}"/slurm/state/* "${STATE:?}"/slurm/spool/*
for node in "${NODES[@]}"; do mkdir -p "$STATE/slurm/spool/$node"; done

# The login user. sshd (UsePAM no) refuses even public-key logins to a locked account, and useradd locks it: '*'
# allows no password without being "locked". The home is outside world-writable /tmp proper, so StrictModes holds.
if ! getent passwd "$USER_NAME" >/dev/null; then
  useradd --home-dir "$HOME_DIR" --create-home --shell /bin/bash --user-group "$USER_NAME"
fi
have_home=$(getent passwd "$USER_NAME" | cut -d: -f6)
[ "$have_home" = "$HOME_DIR" ] ||
  die "user $USER_NAME exists with home $have_home, not $HOME_DIR; remove it (userdel $USER_NAME) or fix its home"
usermod -p '*' "$USER_NAME"
USER_GROUP=$(id -gn "$USER_NAME")
install -d -o "$USER_NAME" -g "$USER_GROUP" -m 755 "$HOME_DIR"
install -d -o "$USER_NAME" -g "$USER_GROUP" -m 700 "$HOME_DIR/.ssh"

# Keys: generated once, kept across restarts (known_hosts and the test key stay valid).
keygen() { [ -s "$1" ] || ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"; }
keygen "$SSH_DIR/login_host_ed25519_key" "slipway-slurm login host"
keygen "$SSH_DIR/jump_host_ed25519_key" "slipway-slurm jump host"
keygen "$SSH_DIR/id_ed25519" "slipway-slurm test key"
install -o "$USER_NAME" -g "$USER_GROUP" -m 600 "$SSH_DIR/id_ed25519.pub" "$HOME_DIR/.ssh/authorized_keys"
{
  echo "[$LOGIN_HOST]:$LOGIN_PORT $(cut -d' ' -f1,2 "$SSH_DIR/login_host_ed25519_key.pub")"
  echo "[$JUMP_HOST]:$JUMP_PORT $(cut -d' ' -f1,2 "$SSH_DIR/jump_host_ed25519_key.pub")"
} >"$SSH_DIR/known_hosts"

# Munge key: 1024 random bytes, once; munged insists on its owner and modes.
install -d -o munge -g munge -m 711 "$STATE/munge"
install -d -o munge -g munge -m 700 "$STATE/munge/etc" "$STATE/munge/lib" "$STATE/munge/log"
install -d -o munge -g munge -m 755 "$STATE/munge/run"
if [ ! -s "$STATE/munge/etc/munge.key" ]; then
  (umask 077 && head -c 1024 /dev/urandom >"$STATE/munge/etc/munge.key")
fi
chown munge:munge "$STATE/munge/etc/munge.key"
chmod 400 "$STATE/munge/etc/munge.key"

# sacct -c opens JobCompLoc for writing even to read it: the file belongs to the login user (slurmctld is root).
install -o "$USER_NAME" -g "$USER_GROUP" -m 644 /dev/null "$STATE/slurm/log/jobcomp.txt"

node_lines=
for node in "${NODES[@]}"; do
  node_lines+="NodeName=$node NodeAddr=$(node_ip "$node") NodeHostname=$node CPUs=$CPUS RealMemory=4096 State=UNKNOWN
"
done
cat >"$CONF" <<EOF
# Generated by slipway scripts/slurm/start-cluster.sh (rewritten at every start).
ClusterName=slipway
SlurmctldHost=slurmctl($CTL_IP)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire (default 120 s) is also how long a requeued job waits before it may start again; 10 s keeps the
# retry test short. Real clusters keep their own value.
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=10
StateSaveLocation=$STATE/slurm/state
SlurmdSpoolDir=$STATE/slurm/spool/%n
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd-%n.pid
SlurmctldLogFile=$STATE/slurm/log/slurmctld.log
SlurmdLogFile=$STATE/slurm/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# No systemd and no cgroup plugin: processes are tracked through /proc, tasks are not bound.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
# There is no /bin/mail.
MailProg=/bin/true
# No slurmdbd: plain sacct does not work; finished jobs go to a text file that "sacct -c" reads.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/slurm/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# The default batch_sched_delay=3 starts batch jobs up to 3 s late.
SchedulerParameters=batch_sched_delay=0
# Finished jobs stay visible to scontrol show job / squeue -t all for 10 minutes.
MinJobAge=600
MaxJobCount=20000
ReturnToService=2
# CPUs are advertised (more than the machine has, for bulk tests), not detected.
SlurmdParameters=config_overrides
KillWait=5
InactiveLimit=0
Waittime=0
SlurmdTimeout=60
${node_lines}PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
chmod 644 "$CONF"

# The login node: one `sshd -i` per connection, in the controller's netns (the only place 10.77.0.1 is reachable
# from) and in a UTS namespace of its own (hostname "login").
common_sshd_config() {
  cat <<EOF
AllowUsers $USER_NAME
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes yes
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
MaxSessions 64
MaxStartups 64:30:200
LogLevel INFO
EOF
}
{
  echo "# Generated by slipway scripts/slurm/start-cluster.sh: the login node, run as \`sshd -i\` behind socat on"
  echo "# $LOGIN_HOST:$LOGIN_PORT (so Port/ListenAddress are not used)."
  echo "HostKey $SSH_DIR/login_host_ed25519_key"
  common_sshd_config
  echo "SetEnv SLURM_CONF=$CONF"
  echo "Subsystem sftp internal-sftp"
} >"$SSH_DIR/sshd_login_config"
{
  echo "# Generated by slipway scripts/slurm/start-cluster.sh: the jump host (ProxyJump to the login node only)."
  echo "Port $JUMP_PORT"
  echo "ListenAddress $JUMP_HOST"
  echo "HostKey $SSH_DIR/jump_host_ed25519_key"
  echo "PidFile $STATE/run/sshd-jump.pid"
  common_sshd_config
  echo "AllowTcpForwarding local"
  echo "PermitOpen $LOGIN_HOST:$LOGIN_PORT localhost:$LOGIN_PORT"
} >"$SSH_DIR/sshd_jump_config"
/usr/sbin/sshd -t -f "$SSH_DIR/sshd_login_config" || die "sshd rejects $SSH_DIR/sshd_login_config"
/usr/sbin/sshd -t -f "$SSH_DIR/sshd_jump_config" || die "sshd rejects $SSH_DIR/sshd_jump_config"

cat >"$STATE/bin/login-sshd" <<EOF
#!/bin/sh
# socat runs this per connection on $LOGIN_HOST:$LOGIN_PORT, the connection on stdin/stdout.
exec nsenter --net=$(ns_path "$CTL_NS") unshare --uts /bin/sh -c \\
  'hostname login && exec /usr/sbin/sshd -i -f $SSH_DIR/sshd_login_config -E $STATE/log/sshd-login.log'
EOF
cat >"$STATE/bin/in-cluster" <<EOF
#!/bin/sh
# Runs a command as root where slurmctld is reachable: $STATE/bin/in-cluster sinfo
exec nsenter --net=$(ns_path "$CTL_NS") env SLURM_CONF=$CONF "\$@"
EOF
chmod 755 "$STATE/bin/login-sshd" "$STATE/bin/in-cluster"

cat >"$SSH_CONFIG" <<EOF
# Generated by slipway scripts/slurm/start-cluster.sh. Use: ssh -F $SSH_CONFIG slurm-test
# (or "Include $SSH_CONFIG" at the top of ~/.ssh/config).
Host slurm-test slurm-test-jump slurm-test-via-jump
  User $USER_NAME
  IdentityFile $SSH_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $SSH_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  KexAlgorithms curve25519-sha256
Host slurm-test
  HostName $LOGIN_HOST
  Port $LOGIN_PORT
Host slurm-test-jump
  HostName $JUMP_HOST
  Port $JUMP_PORT
Host slurm-test-via-jump
  HostName $LOGIN_HOST
  Port $LOGIN_PORT
  ProxyJump slurm-test-jump
EOF
chmod 600 "$SSH_CONFIG"
phase_done "configure"

# --- network namespaces --------------------------------------------------------------------------------------------
disable_ipv6() {
  nsenter --net="$(ns_path "$1")" sh -c \
    'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' \
    2>/dev/null || true
}
ip netns add "$CTL_NS"
disable_ipv6 "$CTL_NS"
ip -n "$CTL_NS" link set lo up
ip -n "$CTL_NS" link add br0 type bridge
ip -n "$CTL_NS" addr add "$CTL_IP/24" dev br0
ip -n "$CTL_NS" link set br0 up
for node in "${NODES[@]}"; do
  ns=$(node_ns "$node")
  i=${node#node}
  ip netns add "$ns"
  disable_ipv6 "$ns"
  ip -n "$ns" link set lo up
  # Created inside the controller's netns, the peer moved straight into the node's: nothing in the root netns.
  ip -n "$CTL_NS" link add "vn$i" type veth peer name eth0 netns "$ns"
  ip -n "$CTL_NS" link set "vn$i" master br0 up
  ip -n "$ns" addr add "$(node_ip "$node")/24" dev eth0
  ip -n "$ns" link set eth0 up
done
phase_done "netns"

# --- daemons -------------------------------------------------------------------------------------------------------
# Runs a daemon detached: no descriptor of ours (the lock, a CI runner's pipes), its own session, a marker in its
# environment that stop-cluster.sh looks for, output appended to log $1. Returns when the command does: for daemons
# that fork, once they have forked. With "launch --fork", setsid forks first and launch returns at once.
launch() {
  local fork=
  if [ "$1" = --fork ]; then
    fork=1
    shift
  fi
  local log=$1
  shift
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    cd /
    export SLIPWAY_SLURM_DAEMON=1
    exec setsid ${fork:+-f} "$@" </dev/null >>"$log" 2>&1
  )
}
LOG=$STATE/log

launch "$LOG/munged.out" setpriv --reuid=munge --regid=munge --clear-groups \
  munged --socket="$MUNGE_SOCKET" --key-file="$STATE/munge/etc/munge.key" \
  --pid-file="$STATE/munge/run/munged.pid" --log-file="$STATE/munge/log/munged.log" \
  --seed-file="$STATE/munge/lib/munged.seed" ||
  die "munged failed to start; see $STATE/munge/log/munged.log and $LOG/munged.out"
launch "$LOG/slurmctld.out" nsenter --net="$(ns_path "$CTL_NS")" unshare --uts \
  sh -c "hostname slurmctl && exec slurmctld -f '$CONF'" ||
  die "slurmctld failed to start; see $STATE/slurm/log/slurmctld.log and $LOG/slurmctld.out"
for node in "${NODES[@]}"; do
  # nsenter, not `ip netns exec`: that remounts /sys, hiding /sys/fs/cgroup, and slurmd then fails to start.
  launch "$LOG/slurmd-$node.out" nsenter --net="$(ns_path "$(node_ns "$node")")" unshare --uts \
    sh -c "hostname $node && exec slurmd -f '$CONF' -N $node" ||
    die "slurmd $node failed to start; see $STATE/slurm/log/slurmd-$node.log and $LOG/slurmd-$node.out"
done
launch "$LOG/sshd-jump.out" /usr/sbin/sshd -f "$SSH_DIR/sshd_jump_config" -E "$LOG/sshd-jump.log" ||
  die "the jump host's sshd failed to start; see $LOG/sshd-jump.log"
launch --fork "$LOG/socat-login.out" sh -c "echo \$\$ >'$STATE/run/socat-login.pid' && exec socat \
TCP-LISTEN:$LOGIN_PORT,bind=$LOGIN_HOST,reuseaddr,fork,backlog=128 EXEC:$STATE/bin/login-sshd,nofork"
phase_done "daemons"

show_logs() {
  local f
  for f in "$STATE"/slurm/log/*.log "$STATE/munge/log/munged.log" "$LOG"/*.out "$LOG"/sshd-*.log; do
    [ -s "$f" ] || continue
    echo "--- end of $f:" >&2
    tail -n 15 "$f" >&2
  done
}
fail() {
  say "$*"
  show_logs
  exit 1
}

# --- wait: first scheduling cycle, all nodes idle, SSH through the jump host --------------------------------------
waited_from=$SECONDS
deadline=$((SECONDS + TIMEOUT))
while :; do
  # sdiag's first "Total cycles" is the main scheduler's (the second, backfill's).
  cycles=$(timeout 5 "$STATE/bin/in-cluster" sdiag 2>/dev/null |
    awk -F: '/Total cycles/ {gsub(/ /, "", $2); print $2; exit}')
  states=$(timeout 5 "$STATE/bin/in-cluster" sinfo -h -N -o '%N %t' 2>/dev/null || true)
  idle=0
  for node in "${NODES[@]}"; do
    if grep -qx "$node idle" <<<"$states"; then idle=$((idle + 1)); fi
  done
  if [ "${cycles:-0}" -gt 0 ] && [ "$idle" = ${#NODES[@]} ]; then break; fi
  if [ $((SECONDS - waited_from)) -ge 5 ]; then
    pid_alive "$STATE/munge/run/munged.pid" munged || fail "munged is not running"
    pid_alive "$STATE/run/slurmctld.pid" slurmctld || fail "slurmctld is not running"
    for node in "${NODES[@]}"; do
      pid_alive "$STATE/run/slurmd-$node.pid" slurmd || fail "slurmd $node is not running"
    done
  fi
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "after ${TIMEOUT}s: scheduler cycles ${cycles:-none}, nodes: $(tr '\n' ',' <<<"${states:-none}")"
  sleep 0.1
done
phase_done "scheduler ready"

pid_alive "$STATE/run/socat-login.pid" socat || fail "socat (login node on $LOGIN_HOST:$LOGIN_PORT) is not running"
out=$(ssh_via_jump 'sinfo -h -o %n' 2>&1) || fail "ssh through the jump host failed: $out"
[ "$(sort <<<"$out" | tr '\n' ' ')" = "${NODES[*]} " ] || fail "sinfo over ssh printed: $out"
phase_done "ssh check"

write_connection
print_summary
