import type {ChildProcess} from 'node:child_process'
import net from 'node:net'

import {lateChildProcess} from '../late-builtins.js'

/**
 * Connect to the socket docker announces in `DOCKER_CLI_PLUGIN_SOCKET` and call `onClose` when docker
 * closes it. Docker does not forward SIGINT/SIGTERM to a plugin whose stdout is not a TTY (exactly the
 * case of an MCP client launching `docker mcp gateway run`); closing this socket is how it asks the
 * plugin to stop (docker/cli `cli-plugins/socket`). Returns a handle to stop watching, or undefined when
 * the variable is absent (standalone run) or on Windows.
 *
 * On Linux the socket is abstract (`@docker_cli_<hex>`), bound by Go with its exact name length. Node 20's
 * net module pads abstract names to the full sockaddr size, so it can only reach sockets bound by Node:
 * connecting to docker's is refused. When that happens we watch through a small python3 helper that
 * connects with the exact name and exits on EOF; without python3 the gateway still stops on stdin EOF,
 * on signals and when its parent dies.
 */
export function watchPluginSocket(
  env: NodeJS.ProcessEnv,
  onClose: () => void,
  platform: NodeJS.Platform = process.platform,
  onDebug: (message: string) => void = () => {},
): {stop(): void} | undefined {
  const address = env.DOCKER_CLI_PLUGIN_SOCKET
  if (!address || platform === 'win32') return undefined
  const abstract = address.startsWith('@')
  let stopped = false
  let helper: ChildProcess | undefined
  const fire = () => {
    if (stopped) return
    stopped = true
    onClose()
  }
  const socket = net.connect({path: abstract ? `\0${address.slice(1)}` : address})
  let connected = false
  socket.on('connect', () => (connected = true))
  socket.on('data', () => {})
  socket.on('close', () => {
    if (connected) fire()
  })
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (connected || stopped) return
    if (abstract && platform === 'linux') helper = watchWithPython(address, fire, onDebug)
    else onDebug(`cannot watch the plugin socket ${address}: ${err.message}`)
  })
  // Never keep the process alive just for this watcher.
  socket.unref()
  return {
    stop() {
      stopped = true
      socket.destroy()
      helper?.kill()
    },
  }
}

const PYTHON_WATCHER = [
  'import socket, sys',
  'a = sys.argv[1]',
  's = socket.socket(socket.AF_UNIX)',
  's.connect(b"\\0" + a[1:].encode())',
  'sys.stdout.write("connected\\n"); sys.stdout.flush()',
  'while s.recv(1): pass',
].join('\n')

function watchWithPython(address: string, fire: () => void, onDebug: (m: string) => void) {
  let connected = false
  // node:child_process only here (every gateway loads this module, few need the helper).
  const child = lateChildProcess().spawn('python3', ['-c', PYTHON_WATCHER, address], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    if (d.includes('connected')) connected = true
  })
  child.on('error', (err) => onDebug(`cannot watch the plugin socket (no python3: ${err.message})`))
  child.on('exit', () => {
    // Exiting after connecting means docker closed the socket; before, it could not connect at all.
    if (connected) fire()
    else onDebug(`cannot watch the plugin socket ${address}`)
  })
  child.unref()
  ;(child.stdout as unknown as {unref?: () => void}).unref?.()
  return child
}

/**
 * Call `onOrphaned` when our parent process goes away (docker was SIGKILLed, or gave up on us): the
 * parent pid changes to a reaper. `parent` is the pid recorded as early as possible (default: now): a
 * parent that dies before it is recorded would be mistaken for the reaper that adopted us, and the
 * gateway would run on forever. Polls once a second; unref'd.
 */
export function watchParent(
  onOrphaned: () => void,
  options: {parent?: number; intervalMs?: number} = {},
): {stop(): void} {
  const parent = options.parent ?? process.ppid
  const check = () => {
    if (process.ppid === parent) return false
    clearInterval(timer)
    onOrphaned()
    return true
  }
  const timer = setInterval(check, options.intervalMs ?? 1000)
  timer.unref()
  // Adopted already, between the recording and this call.
  check()
  return {stop: () => clearInterval(timer)}
}
