import type {Upstream} from '../../src/gateway/upstream.js'

/**
 * A stand-in for a container's connection, for unit tests of the pool's bookkeeping (the e2e tests run the
 * real containers): it only knows whether it was closed, and which session it was started for.
 */
export function fakeUpstream(server: string, session = ''): Upstream & {session: string} {
  let open = true
  let resolveClosed!: () => void
  const closed = new Promise<void>((r) => (resolveClosed = r))
  return {
    server,
    session,
    closed,
    get isOpen() {
      return open
    },
    async close() {
      open = false
      resolveClosed()
    },
    reportErrors() {},
  } as unknown as Upstream & {session: string}
}
