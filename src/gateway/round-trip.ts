import type {ContainerSlot} from './pool.js'

/** The key under which a server's input request travels in `inputRequests` / `inputResponses`. */
export const UPSTREAM_INPUT_KEY = 'upstream'
/**
 * Default `--input-timeout`: how long a call waits for a 2026-07-28 client to come back with the input its
 * server asked for. Short on purpose: the call keeps its container (parked) until then.
 */
export const DEFAULT_INPUT_TIMEOUT_MS = 120_000

/** A server's request for its client's input (elicitation, sampling), waiting for the answer. */
export interface InputAsk {
  method: 'elicitation/create' | 'sampling/createMessage'
  params: Record<string, unknown>
  answer(result: Record<string, unknown>): void
  fail(error: Error): void
}

/** One call of a 2026-07-28 client, across its rounds: the server's input requests queue here. */
export class RoundTripCall {
  result: Promise<unknown> = Promise.resolve(undefined)
  /** The call's place under the caps, once it has a container. */
  slot: ContainerSlot | undefined
  private readonly controller = new AbortController()
  private readonly asks: InputAsk[] = []
  private wake: (() => void) | undefined

  get signal(): AbortSignal {
    return this.controller.signal
  }

  ask(
    method: InputAsk['method'],
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), {once: true})
      this.asks.push({method, params, answer: resolve, fail: reject})
      this.wake?.()
    })
  }

  /** What the client sees next: the server's answer, or the server's next request for input. */
  next(): Promise<{done: true; value: unknown} | {done: false; ask: InputAsk}> {
    const queued = this.asks.shift()
    if (queued) return Promise.resolve({done: false, ask: queued})
    return new Promise((resolve, reject) => {
      this.wake = () => {
        this.wake = undefined
        resolve({done: false, ask: this.asks.shift()!})
      }
      this.result.then(
        (value) => {
          this.wake = undefined
          resolve({done: true, value})
        },
        (err: unknown) => {
          this.wake = undefined
          reject(err as Error)
        },
      )
    })
  }

  /** The call waits for its client: its container leaves the server's running places (false: no room). */
  park(): boolean {
    return this.slot?.park() ?? true
  }

  abort(reason: Error): void {
    for (const ask of this.asks.splice(0)) ask.fail(reason)
    this.controller.abort(reason)
  }
}
