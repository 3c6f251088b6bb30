import net from 'node:net'

/**
 * Connect to the socket docker announces in `DOCKER_CLI_PLUGIN_SOCKET` and call `onClose` when docker
 * closes it. Docker does not forward SIGINT/SIGTERM to a plugin whose stdout is not a TTY (exactly the
 * case of an MCP client launching `docker mcp gateway run`); closing this socket is how it asks the
 * plugin to stop (docker/cli `cli-plugins/socket`). Returns a handle to stop watching, or undefined when
 * the variable is absent (standalone run) or on Windows.
 */
export function watchPluginSocket(
  env: NodeJS.ProcessEnv,
  onClose: () => void,
  platform: NodeJS.Platform = process.platform,
): {stop(): void} | undefined {
  const address = env.DOCKER_CLI_PLUGIN_SOCKET
  if (!address || platform === 'win32') return undefined
  // Linux uses abstract sockets written as "@name"; Node spells them with a leading NUL byte.
  const socketPath = address.startsWith('@') ? `\0${address.slice(1)}` : address
  let stopped = false
  const socket = net.connect({path: socketPath})
  const fire = () => {
    if (stopped) return
    stopped = true
    onClose()
  }
  socket.on('end', fire)
  socket.on('close', fire)
  // A socket we cannot reach means docker is not waiting for us; that is not a reason to stop.
  socket.on('error', () => {
    stopped = true
  })
  socket.on('data', () => {})
  // Never keep the process alive just for this watcher.
  socket.unref()
  return {
    stop() {
      stopped = true
      socket.destroy()
    },
  }
}
