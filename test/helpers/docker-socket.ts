import {spawn} from 'node:child_process'

/**
 * The "docker" side of DOCKER_CLI_PLUGIN_SOCKET: an abstract unix socket bound with its exact name length,
 * as Go binds it (a Node listener would pad the name and hide Node 20's interoperability problem). A
 * python3 process listens, accepts one connection, and closes it when `close()` is called, as docker does
 * on Ctrl-C when its output is not a terminal.
 */
export function dockerPluginSocket(name: string) {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX)',
    `s.bind(b"\\0${name}")`,
    's.listen(1)',
    'print("listening", flush=True)',
    'c, _ = s.accept()',
    'print("accepted", flush=True)',
    'sys.stdin.readline()',
    'c.close()',
    's.close()',
  ].join('\n')
  const child = spawn('python3', ['-c', script], {stdio: ['pipe', 'pipe', 'inherit']})
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  const waitFor = async (word: string, ms = 10_000) => {
    for (let waited = 0; waited < ms && !out.includes(word); waited += 20)
      await new Promise((r) => setTimeout(r, 20))
    return out.includes(word)
  }
  return {
    address: `@${name}`,
    waitFor,
    close: () => child.stdin.end('close\n'),
    kill: () => child.kill(),
  }
}
