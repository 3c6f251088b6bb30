import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {eventually, textOf, writeTestCatalog} from '../helpers/gateway.js'
import {rawRequest, startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, run, runCli, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #18: a shared gateway knows who calls. Named tokens are callers of their own; the access policy
 * decides per caller which tools it sees and may call (hot-reloaded, the last good policy kept when an
 * edit is invalid); rate limits refuse calls over them with a retry-after and recover; the audit log has
 * a line per call with no argument value in it. Over HTTP, in both protocol eras: 2025 sessions and
 * 2026-07-28 stateless requests. Before this change the gateway had one anonymous token: every caller saw
 * and could call every tool, with no limit and no record.
 */
const GATEWAY_TOKEN = 'policy-test-gateway-token-0123456789'
const SECRET_ARG = 'audit-must-not-see-4f1c9e'
let sandbox: Sandbox
let gateway: HttpGatewayProcess
let policyFile: string
let auditFile: string
const tokens: Record<string, string> = {}
const DICE = ['flip_coin', 'roll_dice']

const POLICY = `# who sees what
rules:
  - name: alice
    who: [token:alice]
    servers: [dice]
  - name: bob
    who: [token:bob]
    servers: [sticky]
    deny: ["sticky:crash"]
  - name: limited
    who: [token:carol, token:dave]
    tools: ["sticky:echo"]
    limits: {callsPerMinute: 6, burst: 1}
  - name: chatty
    who: [token:erin]
    tools: ["sticky:echo"]
    limits: {requestsPerMinute: 2}
`

before(async () => {
  sandbox = await makeSandbox()
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    const created = await runCli(sandbox, ['gateway', 'token', 'create', name])
    assert.equal(created.code, 0, created.stderr)
    tokens[name] = created.stdout.trim()
  }
  const catalog = await writeTestCatalog(sandbox)
  policyFile = path.join(sandbox.home, 'policy.yaml')
  auditFile = path.join(sandbox.home, 'audit.log')
  await writeFile(policyFile, POLICY)
  gateway = await startHttpGateway(
    [
      '--catalog',
      catalog,
      '--servers',
      'dice,sticky',
      '--long-lived',
      '--no-cache',
      '--policy',
      policyFile,
      '--audit-log',
      auditFile,
    ],
    {env: {MCP_GATEWAY_AUTH_TOKEN: GATEWAY_TOKEN}, sandbox, readyMs: 120_000},
  )
})

after(async () => {
  const pid = gateway.child.pid
  assert.equal(await gateway.stop(), 0, gateway.stderr())
  // Only this gateway's containers (others may run gateways on the same engine meanwhile).
  const left = await run('docker', ['ps', '-aq', '--filter', `label=docker-mcp-gateway-pid=${pid}`])
  assert.equal(left.stdout.trim(), '')
  await sandbox.cleanup()
})

type Era = '2025' | '2026'

async function connect(era: Era, who: string): Promise<Client> {
  const client = new Client(
    {name: `policy-${who}`, version: '1.0.0'},
    era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {},
  )
  const transport = new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
    requestInit: {headers: {authorization: `Bearer ${tokens[who] ?? GATEWAY_TOKEN}`}},
  })
  await client.connect(transport as never)
  return client
}

const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort()

async function refusal(promise: Promise<unknown>): Promise<{message: string; code?: number; data?: unknown}> {
  try {
    await promise
  } catch (err) {
    return err as {message: string; code?: number; data?: unknown}
  }
  assert.fail('the call was not refused')
}

for (const era of ['2025', '2026'] as const) {
  describe(`access policy over HTTP, ${era === '2025' ? '2025 sessions' : '2026-07-28 stateless'}`, () => {
    test("two named tokens see different tool lists and cannot call each other's tools", async () => {
      const alice = await connect(era, 'alice')
      const bob = await connect(era, 'bob')
      try {
        assert.deepEqual(await names(alice), DICE)
        const bobs = await names(bob)
        assert.ok(bobs.includes('sticky__echo'), bobs.join(' '))
        assert.ok(
          bobs.every((n) => n.startsWith('sticky__')),
          bobs.join(' '),
        )
        assert.ok(!bobs.includes('sticky__crash'), 'denied by the rule')

        assert.match(textOf(await alice.callTool({name: 'roll_dice', arguments: {sides: 6}})), /\d/)
        assert.equal(
          textOf(await bob.callTool({name: 'sticky__echo', arguments: {text: `${SECRET_ARG}-${era}`}})),
          `${SECRET_ARG}-${era}`,
        )
        const a = await refusal(alice.callTool({name: 'sticky__echo', arguments: {text: SECRET_ARG}}))
        assert.match(a.message, /access policy policy\.yaml: tool "sticky__echo" is not allowed/)
        assert.ok(!a.message.includes(SECRET_ARG))
        const b = await refusal(bob.callTool({name: 'roll_dice', arguments: {sides: 6}}))
        assert.match(b.message, /access policy policy\.yaml: tool "roll_dice" is not allowed/)
        const crash = await refusal(bob.callTool({name: 'sticky__crash', arguments: {}}))
        assert.match(crash.message, /not allowed/)
        // The gateway's own token matches no rule: default deny.
        const anyone = await connect(era, 'default')
        assert.deepEqual(await names(anyone), [])
        await anyone.close()
      } finally {
        await alice.close()
        await bob.close()
      }
    })

    test("a server's prompts and resources: only for identities allowed the whole server", async () => {
      const alice = await connect(era, 'alice')
      const bob = await connect(era, 'bob')
      const carol = await connect(era, 'carol')
      try {
        // bob may use all of sticky: its prompt and resources are his.
        assert.ok((await bob.listPrompts()).prompts.some((p) => p.name === 'greeting'))
        assert.ok((await bob.listResources()).resources.some((r) => r.uri === 'fixture://info'))
        assert.ok((await bob.readResource({uri: 'fixture://info'})).contents.length > 0)
        // alice has dice only; carol one sticky tool, not the server: neither sees sticky's prompt or resources.
        for (const other of [alice, carol]) {
          assert.ok(!(await other.listPrompts()).prompts.some((p) => p.name === 'greeting'))
          assert.ok(!(await other.listResources()).resources.some((r) => r.uri.startsWith('fixture://')))
          const templates = (await other.listResourceTemplates()).resourceTemplates
          assert.ok(!templates.some((t) => t.uriTemplate.startsWith('fixture://')))
          await assert.rejects(other.readResource({uri: 'fixture://info'}))
          await assert.rejects(other.getPrompt({name: 'greeting', arguments: {name: 'x'}}))
          // A subscription to a hidden server's resource is refused as an unknown resource (it was taken).
          if (era === '2025')
            await assert.rejects(other.subscribeResource({uri: 'fixture://info'}), /not found/i)
        }
        if (era === '2025') await bob.subscribeResource({uri: 'fixture://info'})
      } finally {
        await Promise.all([alice.close(), bob.close(), carol.close()])
      }
    })

    test('a rate limit refuses with a retry-after, and the caller recovers after it', async () => {
      const client = await connect(era, era === '2025' ? 'carol' : 'dave')
      try {
        // The first call may wait for the server's container longer than a token takes to come back:
        // call until refused (the bucket holds one call, and a token takes 10 s to come back).
        let limited: {message: string; data?: unknown} | undefined
        for (let i = 0; i < 5 && !limited; i++) {
          try {
            assert.equal(
              textOf(await client.callTool({name: 'sticky__echo', arguments: {text: 'one'}})),
              'one',
            )
          } catch (err) {
            limited = err as {message: string; data?: unknown}
          }
        }
        assert.ok(limited, 'never refused')
        assert.match(
          limited.message,
          /rate limit: token:(carol|dave) may make 6 tool calls a minute; retry after \d+ s/,
        )
        const retry = (limited.data as {retryAfterSeconds?: number} | undefined)?.retryAfterSeconds
        assert.ok(typeof retry === 'number' && retry >= 1 && retry <= 10, JSON.stringify(limited))
        await new Promise((r) => setTimeout(r, retry * 1000))
        assert.equal(
          textOf(await client.callTool({name: 'sticky__echo', arguments: {text: 'three'}})),
          'three',
        )
      } finally {
        await client.close()
      }
    })
  })
}

describe('front door and audit', () => {
  test('an identity over its request limit gets HTTP 429 with Retry-After before reaching a session', async () => {
    const request = () =>
      rawRequest(gateway.port, {
        method: 'POST',
        path: '/mcp',
        headers: {
          host: 'localhost',
          authorization: `Bearer ${tokens.erin}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
        },
        body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'ping'}),
      })
    const statuses = [(await request()).status, (await request()).status]
    assert.ok(
      statuses.every((s) => s !== 429),
      statuses.join(),
    )
    const third = await request()
    assert.equal(third.status, 429, third.body)
    assert.match(String(third.headers['retry-after']), /^\d+$/)
    assert.ok(Number(third.headers['retry-after']) >= 1)
    assert.match(third.body, /rate limit: token:erin may make 2 requests a minute/)
    // Others are not limited by erin's bucket.
    const alice = await connect('2026', 'alice')
    assert.deepEqual(await names(alice), DICE)
    await alice.close()
  })

  test('audit lines: one per call, identities and outcomes, and no argument value anywhere', async () => {
    const text = await readFile(auditFile, 'utf8')
    assert.ok(!text.includes(SECRET_ARG), 'an argument value reached the audit log')
    for (const value of ['one', 'two']) assert.ok(!text.includes(`"${value}"`), value)
    const records = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const of = (identity: string, name: string) =>
      records.filter((r) => r.identity === identity && r.name === name)
    assert.deepEqual(
      of('token:bob', 'sticky__echo').map((r) => [r.outcome, r.arguments]),
      [
        ['ok', {text: `string(${SECRET_ARG.length + 5})`}],
        ['ok', {text: `string(${SECRET_ARG.length + 5})`}],
      ],
    )
    assert.deepEqual(
      of('token:alice', 'sticky__echo').map((r) => [r.outcome, r.guard]),
      [
        ['refused', 'policy'],
        ['refused', 'policy'],
      ],
    )
    const carol = of('token:carol', 'sticky__echo').map((r) =>
      r.guard ? `${r.outcome}: ${String(r.guard)}` : r.outcome,
    )
    assert.deepEqual(carol.slice(-2), ['refused: rate limit', 'ok'], carol.join())
    assert.ok(carol.length >= 3 && carol.slice(0, -2).every((o) => o === 'ok'), carol.join())
    const roll = of('token:alice', 'roll_dice')[0]!
    assert.equal(roll.server, 'dice')
    assert.equal(roll.tool, 'roll_dice')
    assert.equal(roll.via, 'token')
    assert.equal(typeof roll.session, 'string')
    assert.equal(typeof roll.durationMs, 'number')
    assert.ok(Number(roll.requestBytes) > 0)
    assert.ok(!Number.isNaN(Date.parse(String(roll.time))))
  })
})

describe('policy hot reload', () => {
  test('an edit changes what a live session sees; an invalid edit is logged and the last good policy stays', async () => {
    const session = await connect('2025', 'alice')
    try {
      assert.deepEqual(await names(session), DICE)
      await writeFile(
        policyFile,
        POLICY.replace('    servers: [dice]\n', '    servers: [dice]\n    tools: ["sticky:echo"]\n'),
      )
      const seen = await eventually(
        () => names(session),
        (n) => n.includes('sticky__echo'),
        20_000,
      )
      assert.deepEqual(seen, [...DICE, 'sticky__echo'])
      assert.equal(textOf(await session.callTool({name: 'sticky__echo', arguments: {text: 'x'}})), 'x')
      const stateless = await connect('2026', 'alice')
      assert.deepEqual(await names(stateless), [...DICE, 'sticky__echo'])
      await stateless.close()

      // A typo: the file no longer checks. The gateway says where, and keeps the policy it had.
      await writeFile(policyFile, POLICY.replace('who: [token:bob]', 'who: [user:bob]'))
      const log = await eventually(
        async () => gateway.stderr(),
        (s) => s.includes('not reloaded'),
        20_000,
      )
      assert.match(
        log,
        /Access policy .*policy\.yaml not reloaded, the previous one stays in force: .*policy\.yaml:7:\d+: rules\[1\]\.who\[0\]: unknown identity "user:bob"/,
      )
      assert.deepEqual(await names(session), [...DICE, 'sticky__echo'])
    } finally {
      await session.close()
    }
  })
})

describe('gateway token commands', () => {
  test('create prints the token once; ls and rm never print a stored token; the file holds only hashes', async () => {
    const created = await runCli(sandbox, ['gateway', 'token', 'create', 'frank'])
    assert.equal(created.code, 0, created.stderr)
    const token = created.stdout.trim()
    assert.match(token, /^dmcp_/)
    assert.match(created.stderr, /not shown again/)
    assert.ok(!created.stderr.includes(token))
    const again = await runCli(sandbox, ['gateway', 'token', 'create', 'frank'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /exists/)

    const ls = await runCli(sandbox, ['gateway', 'token', 'ls'])
    const lsJson = await runCli(sandbox, ['gateway', 'token', 'ls', '--json'])
    const rm = await runCli(sandbox, ['gateway', 'token', 'rm', 'frank'])
    assert.equal(rm.code, 0, rm.stderr)
    const file = await readFile(path.join(sandbox.dockerConfig, 'mcp', 'gateway-tokens.json'), 'utf8')
    const everything = [
      ls.stdout,
      ls.stderr,
      lsJson.stdout,
      lsJson.stderr,
      rm.stdout,
      rm.stderr,
      again.stdout,
      again.stderr,
      file,
    ].join('\n')
    for (const t of [token, ...Object.values(tokens)]) {
      assert.ok(!everything.includes(t), 'a token was printed or stored')
      assert.ok(!everything.includes(t.slice(5)), 'a token was printed or stored')
    }
    assert.match(ls.stdout, /^NAME\s+CREATED\n/)
    assert.match(ls.stdout, /\nfrank\s+\d{4}-\d\d-\d\dT/)
    assert.deepEqual(
      (JSON.parse(lsJson.stdout) as Array<{name: string}>).map((t) => t.name),
      ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'],
    )
    assert.match(rm.stdout, /removed gateway token frank/)
    // Removed: the running gateway refuses it from the next request on.
    const refused = await rawRequest(gateway.port, {
      method: 'POST',
      path: '/mcp',
      headers: {host: 'localhost', authorization: `Bearer ${token}`, 'content-type': 'application/json'},
      body: '{}',
    })
    assert.equal(refused.status, 401)
  })

  test('--audit-log - with stdio is refused: stdout is the protocol channel there', async () => {
    const r = await runCli(sandbox, ['gateway', 'run', '--servers', 'dice', '--audit-log', '-'], {
      timeoutMs: 30_000,
    })
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /--audit-log - \(stdout\) needs --transport sse or streaming/)
    assert.equal(r.stdout, '')
  })
})
