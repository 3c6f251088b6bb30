#!/usr/bin/env bash
# One command from a fresh clone to a working `docker mcp`: installs dependencies, builds, installs the
# CLI plugin, makes sure a Docker engine answers (installs and starts dockerd when root on Linux), builds
# the example dice server image locally, enables it, calls a tool, then serves the gateway.
#
#   ./scripts/quickstart.sh              # ... and serve Streamable HTTP on http://127.0.0.1:8811/mcp
#   ./scripts/quickstart.sh --stdio      # ... and serve on stdio instead
#   ./scripts/quickstart.sh --no-serve   # stop after the tool call
#   ./scripts/quickstart.sh --port 9000  # serve HTTP on another port
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-docker.sh

mode=http
port=8811
while [ "$#" -gt 0 ]; do
  case "$1" in
    --stdio) mode=stdio ;;
    --no-serve) mode=none ;;
    --port) port="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 125 ;;
  esac
  shift
done

step() { printf '\n==> %s\n' "$*" >&2; }

step "Installing dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
# Rebuild only when a source changed since the last build.
if [ ! -f dist/.build-stamp ] || [ -n "$(find src commands catalogs/servers package.json tsconfig.json -newer dist/.build-stamp -print -quit)" ]; then
  step "Building"
  npm run -s build >&2
  touch dist/.build-stamp
fi
step "Installing the docker CLI plugin"
scripts/install-plugin.sh >&2
step "Checking the Docker engine"
ensure_docker
step "Building the example dice server image (locally, no registry needed)"
node scripts/build-images.mjs >&2

step "docker mcp version"
docker mcp version
step "Enabling the dice server"
docker mcp server add dice
step "Calling a tool: docker mcp tools call roll_dice sides=20"
docker mcp tools call roll_dice sides=20

cat >&2 <<'NEXT'

Next:
  docker mcp client connect claude-desktop --global   # or cursor, vscode, ... (docker mcp client ls)
  docker mcp catalog show                              # servers you can enable
  docker mcp server ls                                 # what is enabled
NEXT

case "$mode" in
  none) exit 0 ;;
  stdio)
    step "Serving the gateway on stdio (Ctrl-D to stop)"
    exec docker mcp gateway run ;;
  http)
    step "Serving the gateway on http://127.0.0.1:$port/mcp (Ctrl-C to stop)"
    exec docker mcp gateway run --transport streaming --port "$port" ;;
esac
