#!/usr/bin/env bash
# Run every test on a fresh Debian machine with Node and npm: installs what the tests need (npm deps,
# a Docker engine, dbus + gnome-keyring for a real Secret Service), builds, builds the test images,
# then runs node's test runner inside a D-Bus session with an unlocked keyring.
# Usage: scripts/test.sh [test files...]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
. scripts/lib/ensure-docker.sh

need_apt=()
command -v dbus-run-session >/dev/null 2>&1 || need_apt+=(dbus)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_apt+=(gnome-keyring)
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry) # test/e2e/signatures.test.ts
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils) # test/commands/catalog-oci.test.ts (bcrypt htpasswd)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus) # test/e2e/deploy-compose.test.ts (scrapes real gateways)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx) # gateway-tls-proxy, deploy-compose, replicas-nginx
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "- Installing ${need_apt[*]} from apt..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" dbus-x11 >&2
  else
    echo "warning: ${need_apt[*]} missing and not root: keychain tests will be skipped" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "- npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
# Third-party packages the tests use, each in its own prefix outside our dependency tree, installed in
# the background while we build (they need nothing of ours); the tests start once they are there.
# mcp-remote: a third-party MCP client for the HTTP tests. kubernetes-models: Kubernetes' OpenAPI
# schemas as validators, for test/unit/deploy-kubernetes.test.ts (no cluster here); its own prefix,
# because an install --no-save into .tmp/third-party would prune mcp-remote as extraneous.
third_party_pids=()
third_party() {
  local prefix=$1 check=$2 spec=$3 what=$4
  [ -f "$prefix/node_modules/$check" ] && return 0
  echo "- Installing $spec ($what) into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund "$spec" >&2
}
third_party .tmp/third-party mcp-remote/dist/proxy.js mcp-remote@0.15.1 'third-party MCP client' &
third_party_pids+=($!)
third_party .tmp/kubernetes kubernetes-models/package.json kubernetes-models@4.5.1 'Kubernetes schemas' &
third_party_pids+=($!)
# The npm packages the images are made of (server-everything; the gateway image's production dependencies,
# for the e2e files that build it), into their staging dirs: the same wait.
node scripts/build-images.mjs --test --gateway --stage >&2 &
stage_pid=$!

echo "- Building" >&2
npm run -s build >&2
# Built from these sources: quickstart.sh (journey-quickstart) has nothing to rebuild in the middle of the run.
touch dist/.build-stamp

ensure_docker
cleanup() {
  if [ -n "${DOCKERD_STARTED_PID:-}" ]; then
    kill "$DOCKERD_STARTED_PID" 2>/dev/null || true
    wait "$DOCKERD_STARTED_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

wait "$stage_pid"
echo "- Building test images" >&2
node scripts/build-images.mjs --test >&2
for pid in "${third_party_pids[@]}"; do wait "$pid"; done

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' -not -path '*/fixtures/*' | sort)
fi

# A promise rejected with nobody to catch it ends the process, in the test runner and in every gateway
# and CLI the tests spawn (they inherit NODE_OPTIONS): such a rejection once ended the gateway when
# dockerd stopped (issue #14), and no test saw it.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--unhandled-rejections=strict"

# Lanes run side by side: the unit and command tests (several files at once), and $E2E_LANES (2) lanes
# of end-to-end tests, one file at a time each, because they share one Docker engine and count its
# containers. Every lane but the first runs under its own host name (a UTS namespace), and the gateway
# labels every container with its host name, so a lane's tests count only that lane's containers
# (test/helpers/gateway.ts managedContainers). A file that needs this machine's real host name says
# `e2e-lane: main` and runs in the first e2e lane. The e2e files wait in one queue, heaviest first
# (e2e_weight); each lane takes the next file when its last one ends, and the unit and command lane
# joins in once its own tests are done, so no lane sits idle while another still has a long list.
# Without root (no namespaces) the lanes run one after the other. The last line sums every run for CI.
run_lane() {
  node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "$@" 2>&1
}
run_quick() {
  node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=300000 \
    --test-reporter=spec "$@" 2>&1
}
# in_lane NAME COMMAND ARGS...: run COMMAND with host name "<this host>-NAME".
in_lane() {
  local name=$1
  shift
  unshare --uts bash -c 'hostname "$(hostname)-'"$name"'" && "$@"' bash "$@"
}
# lane_queue QUEUE NAME [main]: run the e2e files of QUEUE (a directory of entries named by rank, each
# holding one file's path) one at a time until none is left; with `main`, first those of QUEUE/main.
# A lane claims an entry by renaming it (atomic: of two lanes, one wins and the other takes the next).
lane_queue() {
  local queue=$1 name=$2 status=0 q e p f start
  local -a dirs=("$queue/any")
  [ "${3:-}" = main ] && dirs=("$queue/main" "$queue/any")
  for q in "${dirs[@]}"; do
    while :; do
      e=''
      for p in "$q"/[0-9]*; do
        [ -e "$p" ] && e=${p##*/}
        break
      done
      [ -n "$e" ] || break
      mv "$q/$e" "$queue/taken/$e.$name" 2>/dev/null || continue
      f=$(cat "$queue/taken/$e.$name")
      start=$SECONDS
      run_lane "$f" || status=1
      echo "$((SECONDS - start)) $f $name" >"$queue/done/$e"
    done
  done
  return "$status"
}
# quick_then_queue QUEUE FILES...: the unit and command tests, then e2e files from QUEUE.
quick_then_queue() {
  local queue=$1 status=0
  shift
  if [ "$#" -gt 0 ]; then run_quick "$@" || status=1; fi
  lane_queue "$queue" quick || status=1
  return "$status"
}
export -f run_lane run_quick in_lane lane_queue quick_then_queue

# How heavy an e2e file is, for the order of the queue: its seconds in a full run from test/e2e/durations.txt
# (times 250), or, for a file not listed there, its size in bytes (about 250 bytes of test per second).
e2e_weight() {
  local seconds
  seconds=$(awk -v f="$1" '$2 == f {print $1; exit}' test/e2e/durations.txt 2>/dev/null || true)
  if [ -n "$seconds" ]; then echo $((seconds * 250)); else wc -c <"$1"; fi
}
export -f e2e_weight

run_tests() {
  local quick=() e2e=() log status=0 f size rank=0 i lanes="${E2E_LANES:-2}"
  for f in "$@"; do
    case "$f" in test/e2e/*) ;; *) quick+=("$f") ;; esac
  done
  while read -r size f; do e2e+=("$f"); done < <(for f in "$@"; do
    case "$f" in test/e2e/*) echo "$(e2e_weight "$f") $f" ;; esac
  done | sort -rn)
  log="$(mktemp "${TMPDIR:-/tmp}/docker-mcp-tests.XXXXXX")"
  if [ "$(id -u)" = "0" ] && command -v unshare >/dev/null 2>&1; then
    local dir
    local -a pids=()
    dir="$(mktemp -d "${TMPDIR:-/tmp}/docker-mcp-lanes.XXXXXX")"
    mkdir "$dir/queue" "$dir/queue/main" "$dir/queue/any" "$dir/queue/taken" "$dir/queue/done"
    for f in "${e2e[@]}"; do
      rank=$((rank + 1))
      if grep -q 'e2e-lane: main' "$f"; then
        printf '%s\n' "$f" >"$dir/queue/main/$(printf '%05d' "$rank")"
      else
        printf '%s\n' "$f" >"$dir/queue/any/$(printf '%05d' "$rank")"
      fi
    done
    if [ "${#quick[@]}" -gt 0 ]; then
      in_lane quick quick_then_queue "$dir/queue" "${quick[@]}" >"$dir/quick" &
      pids[0]=$!
    fi
    for ((i = 1; i < lanes; i++)); do
      in_lane "lane-$i" lane_queue "$dir/queue" "lane-$i" >"$dir/lane-$i" &
      pids[i]=$!
    done
    if [ "${#e2e[@]}" -gt 0 ]; then
      echo "--- end-to-end lane 0 (the other lanes are printed when they end) ---"
      lane_queue "$dir/queue" lane-0 main | tee -a "$log"
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    fi
    if [ -n "${pids[0]:-}" ]; then
      wait "${pids[0]}" || status=1
      echo "--- unit and command tests (${#quick[@]} files), then end-to-end files ---"
      tee -a "$log" <"$dir/quick"
    fi
    for ((i = 1; i < lanes; i++)); do
      wait "${pids[i]}" || status=1
      [ -s "$dir/lane-$i" ] || continue
      echo "--- end-to-end lane $i ---"
      tee -a "$log" <"$dir/lane-$i"
    done
    if [ "${#e2e[@]}" -gt 0 ]; then
      echo "--- seconds, end-to-end file, lane (for test/e2e/durations.txt) ---"
      cat "$dir"/queue/done/* 2>/dev/null | sort -rn
    fi
    rm -rf "$dir"
  else
    if [ "${#quick[@]}" -gt 0 ]; then
      run_quick "${quick[@]}" | tee -a "$log"
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    fi
    if [ "${#e2e[@]}" -gt 0 ]; then
      run_lane "${e2e[@]}" | tee -a "$log"
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    fi
  fi
  local passed failed
  passed=$(grep -E '^ℹ pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  # A cancelled test (timeout, unsettled promise) did not pass: count it as failed.
  failed=$(grep -E '^ℹ (fail|cancelled) [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  rm -f "$log"
  echo "${passed} passed, ${failed} failed"
  if [ "$failed" -gt 0 ]; then status=1; fi
  return "$status"
}
export -f run_tests

if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  # A private session bus with a fresh unlocked keyring: the real Secret Service, never the user's. The
  # bus and the keyring daemon (started here, or activated by the bus) get HOME and XDG dirs in a temp
  # dir: with the user's, gnome-keyring would create or unlock ~/.local/share/keyrings/login.keyring.
  # The tests get the original environment back, and DOCKER_MCP_TEST_KEYRING=1 only once a round trip
  # through @napi-rs/keyring has worked.
  keyring_home="$(mktemp -d "${TMPDIR:-/tmp}/docker-mcp-keyring.XXXXXX")"
  mkdir -m 700 "$keyring_home/data" "$keyring_home/runtime"
  status=0
  DOCKER_MCP_SAVED_ENV="$(declare -p HOME XDG_DATA_HOME XDG_RUNTIME_DIR 2>/dev/null || true)" \
    HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/runtime" \
    dbus-run-session -- bash -c '
      printf "docker-mcp-test\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
      unset HOME XDG_DATA_HOME XDG_RUNTIME_DIR
      eval "$DOCKER_MCP_SAVED_ENV"
      unset DOCKER_MCP_SAVED_ENV
      if node -e "
        const k = require(\"@napi-rs/keyring\")
        const e = new k.Entry(\"docker-mcp-test-probe\", \"probe\", {linux: {store: \"secret-service\"}})
        e.setPassword(\"ok\")
        if (e.getPassword() !== \"ok\" || !e.deleteCredential()) process.exit(1)
      "; then
        export DOCKER_MCP_TEST_KEYRING=1
      else
        echo "warning: the test Secret Service does not work: keychain tests will be skipped" >&2
      fi
      run_tests "$@"' bash "${files[@]}" || status=$?
  rm -rf "$keyring_home"
  exit "$status"
else
  run_tests "${files[@]}"
fi
