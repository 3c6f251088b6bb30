#!/usr/bin/env bash
# Make sure a Docker engine answers. Sourced by quickstart.sh and test.sh.
# If none does and we are root on Linux: install docker.io from apt when needed and start dockerd.
# Sets DOCKERD_STARTED_PID when this script started the daemon (so the caller may stop it).

ensure_docker() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(uname -s)" != "Linux" ] || [ "$(id -u)" != "0" ]; then
    echo "No Docker engine answers. Start Docker Desktop or dockerd (see https://docs.docker.com/engine/install/) and try again." >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    echo "- Installing docker.io from apt..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >&2
  fi
  echo "- Starting dockerd..." >&2
  local log="${TMPDIR:-/tmp}/docker-mcp-dockerd.log"
  nohup dockerd >"$log" 2>&1 &
  DOCKERD_STARTED_PID=$!
  export DOCKERD_STARTED_PID
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      echo "- Docker engine is up (dockerd pid $DOCKERD_STARTED_PID, log $log)" >&2
      return 0
    fi
    if ! kill -0 "$DOCKERD_STARTED_PID" 2>/dev/null; then
      echo "dockerd exited; last lines of $log:" >&2
      tail -20 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "dockerd did not answer within 30s; see $log" >&2
  return 1
}
