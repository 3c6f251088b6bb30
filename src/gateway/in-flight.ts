/** Requests the gateway is forwarding right now, so that shutdown can let them finish (`drain`). */
export class InFlight {
  private count = 0
  private readonly idleWaiters: Array<() => void> = []

  begin(): void {
    this.count++
  }

  end(): void {
    if (--this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake()
  }

  /** Wait until no request is in flight, or `ms` has passed. */
  async drain(ms: number): Promise<void> {
    if (this.count === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.idleWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
