import {InMemoryTransport} from '@modelcontextprotocol/client'
import {Server, type Tool} from '@modelcontextprotocol/server'

import type {Context} from '../context.js'
import {connectUpstream, type Upstream} from '../gateway/upstream.js'
import {openSecretStores} from '../secrets/index.js'
import {OAuthBearer} from './bearer.js'
import {OAuthRequiredError} from './errors.js'
import {OAuthStore} from './store.js'

/**
 * OAuth on the gateway's side: one `OAuthBearer` per remote server (its tokens cached in memory, refreshed
 * before expiry and on a 401), over the secret store opened once, on the first remote server that needs it.
 */
export class RemoteAuth {
  private store: Promise<OAuthStore> | undefined
  private readonly bearers = new Map<string, OAuthBearer>()

  constructor(
    private readonly ctx: Context,
    private readonly options: {
      /** Told every token value the gateway will send (its logger masks them). */
      onToken?: (value: string) => void
      fetchFn?: typeof fetch
    } = {},
  ) {}

  /**
   * Opened without warnings: a gateway with remote servers but no OAuth must not start saying "no OS
   * keychain"; the secret commands and servers that declare secrets say it where it matters.
   */
  private openStore(): Promise<OAuthStore> {
    this.store ??= openSecretStores(this.ctx).then((s) => new OAuthStore(s))
    return this.store
  }

  /**
   * The bearer for `server`: always when the catalog declares OAuth, else only when tokens are stored for it
   * (`oauth authorize` on a remote server whose catalog entry predates OAuth). Undefined: no OAuth here.
   */
  async bearerFor(server: string, declared: boolean): Promise<OAuthBearer | undefined> {
    const known = this.bearers.get(server)
    if (known) return known
    const store = await this.openStore()
    if (!declared && !(await store.tokens(server))) return undefined
    const bearer = new OAuthBearer({
      server,
      store,
      ...(this.options.onToken ? {onToken: this.options.onToken} : {}),
      ...(this.options.fetchFn ? {fetchFn: this.options.fetchFn} : {}),
    })
    this.bearers.set(server, bearer)
    return bearer
  }
}

/**
 * What answers for a remote server that has no usable token yet. With tools declared in the catalog, a
 * stand-in in memory lists them, and each call either goes to the real server (a token appeared: `oauth
 * authorize` ran meanwhile) or is answered with a tool error naming `docker mcp oauth authorize <server>`,
 * which the model and the user read. Without declared tools there is nothing to list: the connection fails
 * with the same message (the gateway lists the server again later, and says why a tool is missing).
 */
export async function oauthStandIn(options: {
  server: string
  bearer: OAuthBearer
  tools: Tool[] | undefined
  version: string
  startTimeoutMs: number
  connectReal: () => Promise<Upstream>
}): Promise<Upstream> {
  const {server: name, bearer} = options
  if (!options.tools?.length) throw new OAuthRequiredError(name, 'no token stored')
  let real: Promise<Upstream> | undefined
  const server = new Server({name, version: options.version}, {capabilities: {tools: {}}})
  server.setRequestHandler('tools/list', async () => ({tools: options.tools!}))
  server.setRequestHandler('tools/call', async (request) => {
    if (!(await bearer.usable())) {
      return {
        isError: true,
        content: [{type: 'text' as const, text: new OAuthRequiredError(name, 'no token stored').message}],
      }
    }
    real ??= options.connectReal()
    const upstream = await real.catch((err: Error) => {
      real = undefined
      throw err
    })
    return (await upstream.client.callTool(request.params)) as never
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const upstream = await connectUpstream({
    server: name,
    transport: clientSide,
    version: options.version,
    startTimeoutMs: options.startTimeoutMs,
    negotiation: 'legacy',
    onListChanged: () => {},
  })
  void upstream.closed.then(async () => {
    await server.close().catch(() => {})
    if (real) await (await real.catch(() => undefined))?.client.close().catch(() => {})
  })
  return upstream
}
