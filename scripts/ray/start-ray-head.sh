#!/usr/bin/env bash
# Starts a local Ray head for the Ray executor's integration tests (CI and local), idempotently:
#   - if http://127.0.0.1:${SLIPWAY_RAY_PORT:-8265}/api/version answers as a Ray dashboard, exits 0 at once;
#   - else (running scripts/setup-python.sh first when .venv lacks the pinned ray) starts a head from .venv bound to
#     127.0.0.1 with the dashboard and its Jobs API, 2 CPUs and the custom resource slipway_test=4, and waits until
#     /api/version answers (${SLIPWAY_RAY_TIMEOUT:-90} s).
# The head is detached (own session, no inherited descriptors): it outlives this script and the CI step that ran it.
# Concurrent callers serialise on a lock. Prints "ray-head: Ray <version> at <address> ..." at the end.
# Ray's temp dir is its default /tmp/ray (logs: /tmp/ray/session_latest/logs). Token auth is off (RAY_AUTH_MODE=
# disabled): Ray would otherwise turn it on whenever ~/.ray/auth_token exists, which any local ray.init() creates.
# Every port listens on 127.0.0.1 only (see below); job entrypoints find .venv/bin first on their PATH.
# Stop the head with scripts/ray/stop-ray-head.sh. Facts behind the choices: shared reference ray-jobs.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PORT=${SLIPWAY_RAY_PORT:-8265}
ADDRESS=http://127.0.0.1:$PORT
START_TIMEOUT=${SLIPWAY_RAY_TIMEOUT:-90}
TEMP_DIR=/tmp/ray
LOG=$TEMP_DIR/slipway-start-ray-head.log
LOCK=/tmp/slipway-ray-head.lock
RAY=$ROOT/.venv/bin/ray

say() { echo "start-ray-head: $*" >&2; }

# Prints the answer of GET /api/version and succeeds if it is a Ray dashboard's (JSON with ray_version).
api_version() {
  local body
  if command -v curl >/dev/null 2>&1; then
    body=$(curl -sf --max-time 3 "$ADDRESS/api/version" 2>/dev/null) || return 1
  else
    body=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' \
      "$ADDRESS/api/version" 2>/dev/null) || return 1
  fi
  case $body in
    *'"ray_version"'*) printf '%s\n' "$body" ;;
    *) return 1 ;;
  esac
}

print_ready() {
  local version session
  version=$(sed -n 's/.*"ray_version": *"\([^"]*\)".*/\1/p' <<<"$1")
  session=$(sed -n 's/.*"session_name": *"\([^"]*\)".*/\1/p' <<<"$1")
  echo "ray-head: Ray ${version:-?} at $ADDRESS (Jobs API; session ${session:-?}; logs $TEMP_DIR/session_latest/logs)"
}

# Fast path: no lock, no venv needed.
if answer=$(api_version); then
  print_ready "$answer"
  exit 0
fi

exec 9>"$LOCK"
if ! flock -w 300 9; then
  say "timed out waiting for the lock $LOCK (another start-ray-head.sh still running?)"
  exit 1
fi

# Another caller may have started it while we waited for the lock.
if answer=$(api_version); then
  print_ready "$answer"
  exit 0
fi

# --- the pinned ray in .venv -------------------------------------------------------------------------------------
want=$(sed -n 's/^ray\[default\]==\([^ #]*\).*/\1/p' requirements-test.txt)
have_ray() {
  [ -x "$RAY" ] && compgen -G ".venv/lib/python3*/site-packages/ray-${want:-*}.dist-info" >/dev/null
}
if ! have_ray; then
  say "no ray ${want:-} in .venv; running scripts/setup-python.sh"
  bash scripts/setup-python.sh >&2
  have_ray || {
    say "scripts/setup-python.sh did not install ray ${want:-} into .venv"
    exit 1
  }
fi

# --- what else may be in the way ---------------------------------------------------------------------------------
# Something that is not a Ray dashboard on the port: ray start would fail (the dashboard does not retry ports).
code=000
if command -v curl >/dev/null 2>&1; then
  code=$(curl -s -o /dev/null --max-time 3 -w '%{http_code}' "$ADDRESS/api/version" 2>/dev/null || true)
fi
if [ -n "$code" ] && [ "$code" != 000 ]; then
  say "$ADDRESS answers GET /api/version with HTTP $code but not as a Ray dashboard; free port $PORT" \
    "or set SLIPWAY_RAY_PORT to a free port"
  exit 1
fi

# A running Ray cluster whose dashboard does not answer here: one from this repo's .venv (dashboard crashed, or a
# head on another port) is replaced; another one is left alone, as its GCS would clash with ours on port 6379.
for pid in $(pgrep -x gcs_server || true); do
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  case $exe in
    "$ROOT"/.venv/*)
      say "a Ray head from .venv (gcs_server pid $pid) runs but $ADDRESS/api/version does not answer; waiting 10 s"
      for _ in $(seq 20); do
        if answer=$(api_version); then
          print_ready "$answer"
          exit 0
        fi
        sleep 0.5
      done
      say "replacing it: bash scripts/ray/stop-ray-head.sh"
      SLIPWAY_RAY_LOCKED=1 bash scripts/ray/stop-ray-head.sh >&2
      ;;
    *)
      say "another Ray cluster runs (gcs_server pid $pid, ${exe:-executable unknown}) and its Jobs API does not answer" \
        "at $ADDRESS; stop it (ray stop) or point the tests at its dashboard with SLIPWAY_TEST_RAY_ADDRESS"
      exit 1
      ;;
  esac
done

# --- start ---------------------------------------------------------------------------------------------------------
mkdir -p "$TEMP_DIR"
previous_session=$(readlink "$TEMP_DIR/session_latest" 2>/dev/null || true)
echo "=== $(date -u +%FT%TZ) start-ray-head.sh: ray start --head (dashboard port $PORT)" >>"$LOG"
log_start=$(($(stat -c %s "$LOG")))
say "starting a Ray ${want:-} head on 127.0.0.1, dashboard port $PORT (log: $LOG)"
(
  # The head must not keep the lock (the next caller would hang) nor any pipe of whoever ran us (a CI runner
  # waiting for its output to close would hang): close every descriptor above 2, then detach into a new session.
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  cd /
  export RAY_AUTH_MODE=disabled
  # Ray replaces --node-ip-address 127.0.0.1 by the machine's routable IP and then listens there and on all
  # interfaces (GCS 6379, raylet, agent); its local-only mode (named for macOS/Windows, plain Python on Linux) keeps
  # the node IP and every listener on 127.0.0.1.
  export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0
  # Entrypoints run with the head's PATH: "python" there is .venv's, which has ray (and wandb), as on a real cluster.
  export PATH="$ROOT/.venv/bin:$PATH"
  exec setsid --wait "$RAY" start --head \
    --node-ip-address 127.0.0.1 \
    --include-dashboard true --dashboard-host 127.0.0.1 --dashboard-port "$PORT" \
    --num-cpus 2 --resources '{"slipway_test": 4}' \
    --temp-dir "$TEMP_DIR" \
    --disable-usage-stats --log-color false \
    </dev/null >>"$LOG" 2>&1
) &
starter=$!

show_logs() {
  echo "--- end of $LOG (ray start):" >&2
  tail -c +"$((log_start + 1))" "$LOG" | tail -n 25 >&2
  local session
  session=$(readlink "$TEMP_DIR/session_latest" 2>/dev/null || true)
  if [ -n "$session" ] && [ "$session" != "$previous_session" ]; then
    for f in dashboard.err dashboard.log gcs_server.err raylet.err; do
      [ -s "$session/logs/$f" ] || continue
      echo "--- end of $session/logs/$f:" >&2
      tail -n 15 "$session/logs/$f" >&2
    done
  fi
}

deadline=$((SECONDS + START_TIMEOUT))
started=
while :; do
  if [ -z "$started" ] && ! kill -0 "$starter" 2>/dev/null; then
    if wait "$starter"; then
      started=1
    else
      status=$?
      say "ray start failed (exit status $status)"
      show_logs
      say "stopping what it started: bash scripts/ray/stop-ray-head.sh"
      SLIPWAY_RAY_LOCKED=1 bash scripts/ray/stop-ray-head.sh >&2 || true
      exit 1
    fi
  fi
  # Ready once ray start has returned and the Jobs API answers.
  if [ -n "$started" ] && answer=$(api_version); then break; fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    if [ -z "$started" ]; then
      say "ray start (pid $starter) did not finish within ${START_TIMEOUT}s"
    else
      say "the Ray head started but $ADDRESS/api/version did not answer within ${START_TIMEOUT}s"
    fi
    show_logs
    exit 1
  fi
  sleep 0.2
done
print_ready "$answer"
