/**
 * A Docker engine of the test's own, for fault tests that stop and restart the engine: the shared engine
 * at /var/run/docker.sock serves other tests (and other checkouts) at the same time and must never be
 * stopped. This dockerd has its own socket, data root, exec root (so its own managed containerd) and pid
 * file, its own network namespace (so nothing it does to interfaces or iptables reaches the host's: with
 * --bridge=none a dockerd deletes docker0, the shared engine's bridge), no bridge and no iptables rules:
 * its containers must run with `--network none`. It is started and stopped by PID; `remove` leaves no process
 * and no directory behind.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {eventually} from './gateway.js'
import {run} from './sandbox.js'

export interface PrivateEngine {
  /** `unix:///…/docker.sock`: what DOCKER_HOST must say to reach this engine. */
  host: string
  /** The environment of a docker CLI talking to this engine. */
  env: NodeJS.ProcessEnv
  /** Is the daemon running now? */
  running(): boolean
  /** Start the daemon (again) and wait until it answers. */
  start(): Promise<void>
  /** Stop the daemon (SIGTERM, by PID) and wait until it and every process of its containerd are gone. */
  stop(): Promise<void>
  /** `docker …` against this engine. */
  docker(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}>
  /** Copy an image of the shared engine into this one (`docker save | docker load`). */
  loadImage(image: string): Promise<void>
  /** Stop it and remove its directories. */
  remove(): Promise<void>
  /** The daemon's log so far (for failure messages). */
  log(): string
}

/** Are dockerd and unshare there, and are we root (they need to be)? Fault tests skip otherwise. */
export function canRunPrivateEngine(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare')) return false
  return ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd'].some((p) => existsSync(p))
}

export async function startPrivateEngine(): Promise<PrivateEngine> {
  // A short path: a unix socket path is limited to ~107 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), 'dmcp-engine-'))
  const socket = path.join(dir, 'docker.sock')
  const execRoot = path.join(dir, 'exec')
  const host = `unix://${socket}`
  const env: NodeJS.ProcessEnv = {...process.env, DOCKER_HOST: host}
  delete env.DOCKER_CONTEXT
  let daemon: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let log = ''

  const docker = (args: string[]) => run('docker', args, {env})

  /** Processes started for this engine (its containerd and shims), found by the exec root in their command line. */
  const ownProcesses = (): number[] => {
    const pids: number[] = []
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let cmdline: string
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      } catch {
        continue
      }
      if (cmdline.includes(execRoot) || cmdline.includes(dir + '/')) pids.push(Number(entry))
    }
    return pids.filter((pid) => pid !== process.pid)
  }

  const engine: PrivateEngine = {
    host,
    env,
    running: () => daemon !== undefined && daemon.exitCode === null && daemon.signalCode === null,
    log: () => log,
    docker,
    async start() {
      if (engine.running()) return
      // In a network namespace of its own: a dockerd started with --bridge=none deletes the host's
      // docker0 (moby's removeDefaultBridgeInterface), which is the shared engine's bridge. `unshare`
      // execs dockerd, so the PID we hold is the daemon's.
      daemon = spawn(
        'unshare',
        [
          '--net',
          'dockerd',
          '--host',
          host,
          '--data-root',
          path.join(dir, 'data'),
          '--exec-root',
          execRoot,
          '--pidfile',
          path.join(dir, 'docker.pid'),
          '--bridge=none',
          '--iptables=false',
          '--ip-masq=false',
          // Containers get 1 s to stop when the engine stops (the fixture, as PID 1 under tini, would take
          // the default 10 s): an engine restart in a test is then quick, and still kills every container.
          '--shutdown-timeout=1',
        ],
        {stdio: ['ignore', 'pipe', 'pipe']},
      )
      const child = daemon
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d))
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d))
      exited = new Promise((resolve) => child.once('exit', () => resolve()))
      const ok = await eventually(
        async () => (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0,
        (up) => up || child.exitCode !== null,
        30_000,
      )
      if (!ok) throw new Error(`the private dockerd did not start:\n${log.slice(-2000)}`)
    },
    async stop() {
      if (daemon && engine.running()) {
        daemon.kill('SIGTERM')
        const timer = setTimeout(() => daemon?.kill('SIGKILL'), 30_000)
        await exited
        clearTimeout(timer)
      }
      // Its containerd and any shim still alive (a shim outlives a dockerd that was killed): by PID.
      const left = await eventually(
        async () => ownProcesses(),
        (pids) => pids.length === 0,
        5_000,
      )
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Gone meanwhile.
        }
      }
    },
    async loadImage(image) {
      const r = await run('sh', [
        '-c',
        `docker -H unix:///var/run/docker.sock save "$0" | docker -H "$1" load -q`,
        image,
        host,
      ])
      if (r.code !== 0) throw new Error(`cannot load ${image} into the private engine: ${r.stderr}`)
    },
    async remove() {
      await engine.stop()
      // dockerd unmounts what it mounted when it stops; anything left (after a SIGKILL) is unmounted here.
      const mounts = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(dir + '/'))
        .sort((a, b) => b.length - a.length)
      for (const m of mounts) await run('umount', ['-l', m])
      rmSync(dir, {recursive: true, force: true})
    },
  }
  await engine.start()
  return engine
}
