import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {eventually, managedContainers, textOf} from '../helpers/gateway.js'
import {makeSandbox, ROOT, type Sandbox} from '../helpers/sandbox.js'

// Journey 1: a new user runs ./scripts/quickstart.sh and ends with dice enabled, a tool call answered,
// and the gateway serving Streamable HTTP with a printed token.
let sandbox: Sandbox
before(async () => {
  sandbox = await makeSandbox()
})
after(async () => sandbox.cleanup())

test('quickstart: plugin installed, dice enabled, roll answered, gateway serving on HTTP with a token', async () => {
  const port = 20000 + Math.floor(Math.random() * 10000)
  const child = spawn('bash', [path.join(ROOT, 'scripts/quickstart.sh'), '--port', String(port)], {
    env: sandbox.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>((r) => child.on('exit', r))
  try {
    const token = await eventually(
      async () => /Authorization: Bearer ([a-z0-9]{50})/.exec(stderr)?.[1],
      (t) => Boolean(t),
      240_000,
    )
    assert.ok(token, `no token printed:\n${stderr}`)
    assert.match(stdout, /Rolled 1d20: \d+/)
    assert.match(stderr, /docker mcp client connect/)
    const client = new Client({name: 'quickstart-test', version: '1'})
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: {headers: {Authorization: `Bearer ${token}`}},
      }),
    )
    const roll = await client.callTool({name: 'roll_dice', arguments: {sides: 6}})
    assert.match(textOf(roll), /Rolled 1d6/)
    await client.close()
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  assert.deepEqual(
    await eventually(
      () => managedContainers(),
      (c) => c.length === 0,
      15_000,
    ),
    [],
  )
})
