#!/usr/bin/env bash
# Install docker-mcp as a Docker CLI plugin: $DOCKER_CONFIG/cli-plugins/docker-mcp (default ~/.docker).
# Writes a tiny launcher with the absolute path of node, because MCP clients often start `docker` with a
# minimal PATH where `#!/usr/bin/env node` would not find node.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config_dir="${DOCKER_CONFIG:-$HOME/.docker}"
node_bin="$(command -v node)"
mkdir -p "$config_dir/cli-plugins"
target="$config_dir/cli-plugins/docker-mcp"
tmp="$(mktemp "$config_dir/cli-plugins/.docker-mcp.XXXXXX")"
cat >"$tmp" <<LAUNCHER
#!/bin/sh
exec "$node_bin" "$root/bin/run.js" "\$@"
LAUNCHER
chmod 755 "$tmp"
mv -f "$tmp" "$target"
echo "$target"
