#!/usr/bin/env bash
# Install docker-mcp as a Docker CLI plugin: $DOCKER_CONFIG/cli-plugins/docker-mcp (default ~/.docker).
# Writes a tiny launcher with the absolute path of node, because MCP clients often start `docker` with a
# minimal PATH where `#!/usr/bin/env node` would not find node. The launcher answers docker's
# `docker-cli-plugin-metadata` probe itself: docker asks before every `docker mcp ...` (and for every
# `docker --help`), and a shell `printf` costs a few milliseconds where starting node costs ~90.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config_dir="${DOCKER_CONFIG:-$HOME/.docker}"
node_bin="$(command -v node)"
metadata="$("$node_bin" "$root/bin/run.js" docker-cli-plugin-metadata)"
case "$metadata" in
  *\'*) echo "unexpected quote in the plugin metadata: $metadata" >&2; exit 1 ;;
esac
mkdir -p "$config_dir/cli-plugins"
target="$config_dir/cli-plugins/docker-mcp"
tmp="$(mktemp "$config_dir/cli-plugins/.docker-mcp.XXXXXX")"
cat >"$tmp" <<LAUNCHER
#!/bin/sh
if [ "\$#" -eq 1 ] && [ "\$1" = docker-cli-plugin-metadata ]; then
  printf '%s\n' '$metadata'
  exit 0
fi
exec "$node_bin" "$root/bin/run.js" "\$@"
LAUNCHER
chmod 755 "$tmp"
mv -f "$tmp" "$target"
echo "$target"
