import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {CallToolResult, ServerContext} from '@modelcontextprotocol/server'

import {codeModeLayer, type CodeModeGateway} from '../../../src/gateway/codemode/layer.js'
import {toolCall} from '../../../src/gateway/pipeline/call.js'
import {LOCAL_CALLER} from '../../../src/gateway/session/caller.js'
import type {SessionRef, ToolTarget} from '../../../src/gateway/session/tool-view.js'

// Issue #17: the code-mode layer against a fake gateway: per-session registration, notification, and
// every call of a script made as the session's call (findTool + callFor), never around them.

const roll: ToolTarget = {
  origin: {server: 'dice', name: 'roll_dice'},
  tool: {
    name: 'roll_dice',
    description: 'Roll dice.',
    inputSchema: {type: 'object', properties: {sides: {type: 'integer'}}},
  },
}
const calls: Array<{session: string; name: string; args: unknown}> = []
const notified: string[] = []
const metas: unknown[] = []
let refuse = false
const gateway: CodeModeGateway = {
  toolNames: ['roll_dice'],
  findTool: (_s, name) => (name === 'roll_dice' ? roll : undefined),
  async callFor(session, _target, params, context): Promise<CallToolResult> {
    metas.push(context.mcpReq._meta)
    calls.push({session: session.id, name: params.name, args: params.arguments})
    if (refuse) throw new Error('refused by a guard')
    return {content: [{type: 'text', text: 'rolled'}], structuredContent: {total: 4}}
  },
  notifySession: (id) => void notified.push(id),
}
const layer = codeModeLayer(() => gateway)
const a: SessionRef = {id: 'a', caller: LOCAL_CALLER, ephemeral: false}
const b: SessionRef = {id: 'b', caller: LOCAL_CALLER, ephemeral: false}
const ctx = {
  mcpReq: {signal: new AbortController().signal, _meta: {progressToken: 7}},
} as unknown as ServerContext

async function call(session: SessionRef, name: string, args: Record<string, unknown>) {
  const target = layer.find!(session, name)
  assert.ok(target?.answer, `no ${name} for ${session.id}`)
  const c = toolCall({
    session: session.id,
    caller: session.caller,
    name,
    server: target.origin.server,
    tool: name,
    arguments: args,
    via: 'sdk',
  })
  return target.answer(c, {session, ctx})
}
const text = (r: CallToolResult) => (r.content as Array<{text: string}>).map((c) => c.text).join('\n')

test('code-mode is reserved and offered to every session; a registration is for its session only', async () => {
  assert.deepEqual([...layer.reserved!()], ['code-mode'])
  assert.deepEqual(
    [...layer.extra!(a)].map(([n]) => n),
    ['code-mode'],
  )
  const r = await call(a, 'code-mode', {servers: ['dice'], name: 'sum'})
  assert.equal(r.isError, undefined, text(r))
  assert.deepEqual(notified, ['a'])
  assert.deepEqual(
    [...layer.extra!(a)].map(([n]) => n),
    ['code-mode', 'code-mode-sum'],
  )
  assert.deepEqual(
    [...layer.extra!(b)].map(([n]) => n),
    ['code-mode'],
  )
  assert.equal(layer.find!(b, 'code-mode-sum'), undefined)
  assert.match(
    layer.find!(a, 'code-mode-sum')!.tool.description!,
    /dice\.roll_dice\(\{sides\?: integer\}\): Roll dice\./,
  )
})

test("a script's calls are the session's calls, by exposed name, without the client's progress token", async () => {
  calls.length = 0
  const r = await call(a, 'code-mode-sum', {
    script:
      'const x = await dice.roll_dice({sides: 6}); const y = await dice.roll_dice({sides: 8}); return x.total + y.total',
  })
  assert.equal(text(r), '8')
  assert.deepEqual(calls, [
    {session: 'a', name: 'roll_dice', args: {sides: 6}},
    {session: 'a', name: 'roll_dice', args: {sides: 8}},
  ])
  for (const meta of metas) assert.equal((meta as {progressToken?: unknown}).progressToken, undefined)
  assert.ok(metas.length >= 2)
})

test('a refused call throws in the script; uncaught, it is a tool error', async () => {
  refuse = true
  try {
    const r = await call(a, 'code-mode-sum', {script: 'return await dice.roll_dice({})'})
    assert.equal(r.isError, true)
    assert.match(text(r), /code-mode-sum: the script threw ToolError: refused by a guard/)
  } finally {
    refuse = false
  }
})

test('bad input and stateless sessions get clear tool errors', async () => {
  const stateless: SessionRef = {id: 'stateless', caller: LOCAL_CALLER, ephemeral: true}
  const r = await call(stateless, 'code-mode', {servers: ['dice'], name: 'x'})
  assert.equal(r.isError, true)
  assert.match(text(r), /needs a session that lasts/)
  const missing = await call(a, 'code-mode-sum', {})
  assert.equal(missing.isError, true)
  assert.match(text(missing), /takes \{"script"/)
  const noServers = await call(a, 'code-mode', {servers: [], name: 'x'})
  assert.match(text(noServers), /"servers" must be a non-empty list/)
})
