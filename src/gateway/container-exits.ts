/**
 * Why did a server's container end? The attach stream only says "it ended", and the server's last stderr
 * line is usually its start-up banner: an OOM kill and a `docker kill` both used to read "its container
 * exited: fixture MCP server ready (pid 7)" (issue #14). The engine knows better: its `die` event carries the
 * exit code, an `oom` event precedes the death of a container the kernel killed for memory, a `kill` event
 * names the signal. One event stream per gateway (filtered by its label) collects them.
 */
import type {ContainerEvent, ContainerRuntime} from '../docker/runtime.js'
import type {EngineWatch} from './engine-watch.js'

interface ExitFacts {
  oom: boolean
  signal?: string | undefined
  exitCode?: number | undefined
  died: boolean
  waiters: Array<() => void>
}

/** How long to wait for the engine's `die` event after the attach stream ended. */
const DIE_EVENT_WAIT_MS = 2000

export class ContainerExits {
  private readonly facts = new Map<string, ExitFacts>()
  private subscription: {close(): void; ended: Promise<void>} | undefined
  private closed = false

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly gatewayId: string,
    private readonly watch: EngineWatch,
  ) {}

  /** Follow the engine's events (again, after the engine came back). Never rejects. */
  async subscribe(): Promise<void> {
    if (this.closed || this.subscription) return
    try {
      const subscription = await this.runtime.watchContainerEvents(this.gatewayId, (e) => this.record(e))
      this.subscription = subscription
      void subscription.ended.then(() => {
        if (this.subscription === subscription) this.subscription = undefined
        // The stream ends when the engine stops: an idle gateway learns it here, not at its next call.
        if (!this.closed) void this.watch.check()
      })
    } catch (err) {
      this.watch.reportDownIfUnreachable(err)
    }
  }

  /** Keep the engine's events about container `id` until `explain` or `forget`. */
  track(id: string): void {
    if (!this.facts.has(id)) this.facts.set(id, {oom: false, died: false, waiters: []})
  }

  private record(event: ContainerEvent): void {
    const facts = this.facts.get(event.id)
    if (!facts) return
    if (event.action === 'oom') facts.oom = true
    else if (event.action === 'kill') facts.signal = event.signal
    else if (event.action === 'die') {
      facts.died = true
      facts.exitCode = event.exitCode
      for (const wake of facts.waiters.splice(0)) wake()
    }
  }

  /**
   * Why container `id` ended, in words for the user: the engine went away, the kernel killed it for memory
   * (with the limit and how to raise it), it was killed, or its exit code.
   */
  async explain(id: string, memoryBytes: number): Promise<string> {
    const facts = this.facts.get(id) ?? {oom: false, died: false, waiters: []}
    if (!facts.died) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DIE_EVENT_WAIT_MS)
        timer.unref()
        facts.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    this.facts.delete(id)
    // The engine stopping kills every container: say so, rather than "killed by signal 15".
    if ((await this.watch.check()) === 'down')
      return `the Docker engine at ${this.watch.host} went away, and its container with it`
    const code = facts.exitCode === undefined ? '' : `exit code ${facts.exitCode}`
    if (facts.oom)
      return `its container ran out of memory and was killed (OOM, ${code || 'exit code 137'}; memory limit ${formatBytes(memoryBytes)}: raise it with --memory)`
    if (facts.signal)
      return `its container was killed (signal ${signalName(facts.signal)}${code ? `, ${code}` : ''}), by "docker kill", "docker rm -f" or the engine`
    if (facts.died) return `its container exited (${code || 'no exit code'})`
    return 'its container exited'
  }

  /** Forget containers that ended normally (removed by us after their call). */
  forget(id: string): void {
    this.facts.delete(id)
  }

  close(): void {
    this.closed = true
    this.subscription?.close()
    this.subscription = undefined
  }
}

function signalName(signal: string): string {
  const names: Record<string, string> = {'9': 'SIGKILL', '15': 'SIGTERM', '2': 'SIGINT', '1': 'SIGHUP'}
  return names[signal] ?? signal
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024)
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${Math.round(mib)} MiB`
}
