import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {CallToolResult, ServerContext, Tool} from '@modelcontextprotocol/server'

import type {CatalogEntry, ResolvedServer} from '../../../../src/catalog/index.js'
import type {GatewayConfiguration} from '../../../../src/gateway/configuration.js'
import {dynamicTools, type DynamicHost} from '../../../../src/gateway/dynamic/index.js'
import {toolCall} from '../../../../src/gateway/pipeline/call.js'
import type {Caller} from '../../../../src/gateway/session/caller.js'
import type {SessionRef, ToolTarget} from '../../../../src/gateway/session/tool-view.js'
import type {Upstream} from '../../../../src/gateway/upstream.js'

const alice: Caller = {id: 'token:alice', via: 'token', name: 'alice'}
const bob: Caller = {id: 'token:bob', via: 'token', name: 'bob'}
const session = (id: string, caller: Caller = alice, ephemeral = false): SessionRef => ({
  id,
  caller,
  ephemeral,
})

const entries: Record<string, Partial<CatalogEntry>> = {
  dice: {title: 'Dice', description: 'Roll dice', tools: [{name: 'roll_dice'}], longLived: true},
  vault: {description: 'Needs a secret', secrets: [{name: 'vault.token', env: 'TOKEN'}]},
  echoer: {description: 'Has echo'},
}
const liveTools: Record<string, string[]> = {
  dice: ['roll_dice', 'secret_roll'],
  echoer: ['echo'],
  vault: ['x'],
}

/** A host over in-memory catalogs and a pool that records what it starts and stops. */
function fakeHost(own: string[] = ['echo']) {
  const started: string[] = []
  const closed: Array<[string, string | undefined]> = []
  const notified: string[] = []
  const calls: Array<{target: ToolTarget; name: string}> = []
  const catalog = new Map<string, ResolvedServer>(
    Object.entries(entries).map(([name, e]) => [
      name,
      {name, entry: {type: 'server', image: `img/${name}`, ...e} as CatalogEntry, catalog: 'test', file: 'x'},
    ]),
  )
  const host: Omit<DynamicHost, 'gateway'> = {
    catalog: async () => catalog,
    secrets: {has: async () => false},
    fileConfig: async () => ({}),
    enabled: () => new Set(['fixture']),
    resolve: async (name) =>
      ({
        servers: [{name, longLived: name === 'dice', cacheKey: name}],
        containers: new Map([[name, {}]]),
        remotes: new Map(),
        unavailable: new Map(),
        missingSecrets: new Map(name === 'vault' ? [[name, ['vault.token']]] : []),
        warnings: [],
      }) as unknown as GatewayConfiguration,
    install: async () => undefined,
    uninstall: () => {},
    persistServer: async () => {},
    persistConfig: async () => {},
    // The allowlist leaves dice's secret_roll out of the list.
    toolFilter: (server, tool) => !(server === 'dice' && tool === 'secret_roll'),
    prefixAll: false,
  }
  const tools = dynamicTools(host)
  tools.attach({
    toolNames: own,
    listingOf: () => undefined,
    findTool: (s, name) => tools.layer.find(s, name),
    callFor: async (_s, target, params) => {
      calls.push({target, name: params.name})
      return {content: [{type: 'text', text: `called ${target.origin.server}/${target.origin.name}`}]}
    },
    notifySession: (id) => void notified.push(id),
    pool: {
      use: async (server, poolSession, _lifecycle, _signal, fn) => {
        started.push(`${server}@${poolSession}`)
        const upstream = {
          client: {
            getServerCapabilities: () => ({tools: {}}),
            listTools: async () => ({
              tools: (liveTools[server] ?? []).map((name): Tool => ({name, inputSchema: {type: 'object'}})),
            }),
            getInstructions: () => undefined,
          },
        }
        return fn(upstream as unknown as Upstream)
      },
      closeServer: async (server, poolSession) => void closed.push([server, poolSession]),
    },
  })
  return {layer: tools.layer, sessionServer: tools.sessionServer, started, closed, notified, calls}
}

async function callTool(
  layer: ReturnType<typeof fakeHost>['layer'],
  s: SessionRef,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult & {text: string}> {
  const target = layer.find(s, name)
  assert.ok(target?.answer, `${name} is not an internal tool`)
  const call = toolCall({
    session: s.id,
    caller: s.caller,
    name,
    server: 'x',
    tool: name,
    arguments: args,
    via: 'sdk',
  })
  const result = await target.answer(call, {session: s, ctx: {} as ServerContext})
  const text = (result.content as Array<{text: string}>).map((c) => c.text).join('\n')
  return {...result, text}
}

const names = (layer: ReturnType<typeof fakeHost>['layer'], s: SessionRef) =>
  [...layer.extra(s)].map(([n]) => n)

test('every session sees the internal tools; their names are reserved', () => {
  const {layer} = fakeHost()
  assert.deepEqual(names(layer, session('a')), [
    'mcp-find',
    'mcp-add',
    'mcp-remove',
    'mcp-config-set',
    'mcp-exec',
  ])
  assert.deepEqual([...layer.reserved()], names(layer, session('a')))
})

test('mcp-add lists the server for that session only, and tells that session', async () => {
  const h = fakeHost()
  const a = session('a')
  const r = await callTool(h.layer, a, 'mcp-add', {name: 'dice'})
  assert.equal(r.isError, undefined, r.text)
  assert.deepEqual(h.started, ['dice@a'])
  assert.deepEqual(h.notified, ['a'])
  assert.ok(names(h.layer, a).includes('roll_dice'))
  assert.ok(!names(h.layer, a).includes('secret_roll'), 'the allowlist applies to added servers')
  assert.ok(!names(h.layer, session('b')).includes('roll_dice'))
  assert.equal(h.layer.find(session('b'), 'roll_dice'), undefined)
  assert.equal(h.sessionServer('dice')?.longLived, true)
})

test('a missing secret: the command to run, nothing started', async () => {
  const h = fakeHost()
  const r = await callTool(h.layer, session('a'), 'mcp-add', {name: 'vault'})
  assert.equal(r.isError, true)
  assert.match(r.text, /"docker mcp secret set vault\.token=<value>"/)
  assert.deepEqual(h.started, [])
})

test('a clash with a tool the session has: refused, its container stopped', async () => {
  const h = fakeHost(['echo'])
  const r = await callTool(h.layer, session('a'), 'mcp-add', {name: 'echoer'})
  assert.equal(r.isError, true)
  assert.match(r.text, /echo would clash/)
  // The session's containers, then (nobody holds it) all of the server's, its spares too.
  assert.deepEqual(h.closed, [
    ['echoer', 'a'],
    ['echoer', undefined],
  ])
  assert.equal(h.sessionServer('echoer'), undefined)
})

test('unknown names and bad arguments are tool errors', async () => {
  const h = fakeHost()
  assert.match((await callTool(h.layer, session('a'), 'mcp-add', {name: 'dic'})).text, /did you mean "dice"/i)
  assert.equal((await callTool(h.layer, session('a'), 'mcp-add', {})).isError, true)
  assert.equal((await callTool(h.layer, session('a'), 'mcp-find', {query: 'x', limit: 0})).isError, true)
  assert.equal((await callTool(h.layer, session('a'), 'mcp-remove', {name: 'dice'})).isError, true)
})

test('2026-07-28 stateless requests: additions are per caller, containers shared until the last removes', async () => {
  const h = fakeHost()
  const aliceReq = session('stateless', alice, true)
  const bobReq = session('stateless', bob, true)
  await callTool(h.layer, aliceReq, 'mcp-add', {name: 'dice'})
  assert.ok(names(h.layer, session('stateless', alice, true)).includes('roll_dice'), 'next request of alice')
  assert.ok(!names(h.layer, bobReq).includes('roll_dice'), 'bob does not see what alice added')
  await callTool(h.layer, bobReq, 'mcp-add', {name: 'dice'})
  await callTool(h.layer, aliceReq, 'mcp-remove', {name: 'dice'})
  assert.deepEqual(h.closed, [], "bob still uses the shared 'stateless' container")
  assert.ok(names(h.layer, bobReq).includes('roll_dice'))
  await callTool(h.layer, bobReq, 'mcp-remove', {name: 'dice'})
  assert.deepEqual(h.closed, [
    ['dice', 'stateless'],
    ['dice', undefined],
  ])
  assert.deepEqual(h.notified, ['stateless', 'stateless', 'stateless', 'stateless'])
})

test('mcp-exec reaches a filtered tool of an added server, never an internal tool', async () => {
  const h = fakeHost()
  const a = session('a')
  await callTool(h.layer, a, 'mcp-add', {name: 'dice'})
  const r = await callTool(h.layer, a, 'mcp-exec', {name: 'secret_roll', arguments: {}})
  assert.equal(r.isError, undefined, r.text)
  assert.equal(r.text, 'called dice/secret_roll')
  assert.equal((await callTool(h.layer, a, 'mcp-exec', {name: 'mcp-add'})).isError, true)
  assert.equal((await callTool(h.layer, session('b'), 'mcp-exec', {name: 'secret_roll'})).isError, true)
})

test('a 2025 session that ends is forgotten: its servers go when nobody else holds them', async () => {
  const h = fakeHost()
  const a = session('a')
  const b = session('b')
  await callTool(h.layer, a, 'mcp-add', {name: 'dice'})
  await callTool(h.layer, a, 'mcp-add', {name: 'echoer'}) // refused (clash): nothing kept
  await callTool(h.layer, b, 'mcp-add', {name: 'dice'})
  h.closed.length = 0
  h.layer.forget('a')
  assert.ok(!names(h.layer, session('a')).includes('roll_dice'), "a's additions are gone")
  assert.ok(names(h.layer, b).includes('roll_dice'), 'b keeps its own')
  assert.deepEqual(h.closed, [], 'b still holds dice: its containers stay')
  h.layer.forget('b')
  assert.deepEqual(h.closed, [['dice', undefined]], 'nobody holds dice: all of it stops')
  assert.equal(h.sessionServer('dice'), undefined)
})

test('stateless callers keep what they added when a one-request session ends', async () => {
  const h = fakeHost()
  await callTool(h.layer, session('stateless', alice, true), 'mcp-add', {name: 'dice'})
  h.layer.forget('stateless')
  h.layer.forget('caller:token:alice')
  assert.ok(names(h.layer, session('stateless', alice, true)).includes('roll_dice'))
})
