import assert from 'node:assert/strict'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'

import {parseYaml} from '../../../src/catalog/yaml-file.js'
import {FileFormatError} from '../../../src/errors.js'
import {staticTokenAuthenticator} from '../../../src/gateway/http/auth.js'
import {createToken, listTokens, NamedTokens, removeTokens} from '../../../src/gateway/http/named-tokens.js'
import {CallRefusedError, toolCall, type CallAnswer} from '../../../src/gateway/pipeline/call.js'
import {CallPipeline} from '../../../src/gateway/pipeline/pipeline.js'
import {PolicyHolder, policyStage, policyToolView} from '../../../src/gateway/policy/access.js'
import {auditShape, auditStage, RotatingFile, type AuditSink} from '../../../src/gateway/policy/audit.js'
import {globMatcher} from '../../../src/gateway/policy/glob.js'
import {
  RateLimitedError,
  RateLimiter,
  rateLimitStage,
  requestThrottle,
  TokenBucket,
  type LimitSource,
} from '../../../src/gateway/policy/limits.js'
import {compilePolicy} from '../../../src/gateway/policy/policy.js'
import {readPolicy} from '../../../src/gateway/policy/policy-file.js'
import {LOCAL_CALLER, type Caller} from '../../../src/gateway/session/caller.js'
import {mcpPaths} from '../../../src/paths.js'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'policy-test-'))
  dirs.push(dir)
  return dir
}
after(async () => {
  for (const d of dirs) await rm(d, {recursive: true, force: true})
})

const policyOf = async (text: string) => compilePolicy(await readPolicy(parseYaml('policy.yaml', text)))
const errorOf = async (text: string): Promise<FileFormatError> => {
  try {
    await readPolicy(parseYaml('policy.yaml', text))
  } catch (err) {
    assert.ok(err instanceof FileFormatError, String(err))
    return err
  }
  assert.fail('the policy was accepted')
}

const token = (name: string): Caller => Object.freeze({id: `token:${name}`, via: 'token', name})
const oauth = (sub: string, extra: Partial<Caller> = {}): Caller =>
  Object.freeze({id: `oauth:${sub}`, via: 'oauth', name: sub, ...extra})

describe('policy file: errors name the file, line and field', () => {
  test('an unknown identity kind is reported at its line, with the kinds that exist', async () => {
    const err = await errorOf(`rules:
  - who: [token:ci]
    servers: [dice]
  - who:
      - token:ok
      - user:bob
    tools: [echo]
`)
    assert.match(err.message, /^policy\.yaml:6:\d+: rules\[1\]\.who\[1\]: unknown identity "user:bob"/)
    assert.match(err.message, /token:<name>, oauth:<sub>, client:<client_id>, group:<name>/)
  })

  test('an unknown field, a wrong type and a bad limit: every problem, each at its line', async () => {
    const err = await errorOf(`rules:
  - who: [local]
    server: [dice]
  - who: token:x
    tools: [echo]
limits:
  callsPerMinute: -3
`)
    const lines = err.problems.map((p) => p.position?.line)
    assert.deepEqual(lines, [2, 4, 7], err.message)
    assert.match(err.message, /server/)
    assert.match(err.message, /rules\[1\]\.who: expected a list/)
    assert.match(err.message, /limits\.callsPerMinute/)
  })

  test('a rule that allows nothing, and a tool pattern without a side, are mistakes', async () => {
    const err = await errorOf(`rules:
  - who: [local]
  - who: [local]
    tools: ["dice:"]
`)
    assert.match(err.message, /policy\.yaml:2:\d+: rules\[0\]: the rule allows nothing/)
    assert.match(err.message, /policy\.yaml:4:\d+: rules\[1\]\.tools\[0\]: "dice:"/)
  })

  test('YAML syntax errors carry the line', async () => {
    const err = await errorOf('rules:\n  - who: [local\n')
    assert.match(err.message, /^policy\.yaml:\d+:\d+: invalid YAML/)
  })
})

describe('policy matcher', () => {
  test('globs: * and ? only, everything else literal', () => {
    assert.ok(globMatcher('git*')('github'))
    assert.ok(globMatcher('a?c')('abc'))
    assert.ok(!globMatcher('a.c')('abc'))
    assert.ok(!globMatcher('dice')('dice2'))
    assert.ok(globMatcher('*')(''))
  })

  test('default deny; servers, tools by exposed name or server:tool; deny wins over any allow', async () => {
    const policy = await policyOf(`rules:
  - who: [token:alice]
    servers: [dice]
  - who: [token:bob, token:alice]
    tools: [echo, "sticky:slo*"]
    deny: ["dice:roll_d20"]
`)
    const alice = policy.forCaller(token('alice'))
    const bob = policy.forCaller(token('bob'))
    const carol = policy.forCaller(token('carol'))
    assert.ok(alice.allows('dice', 'roll_dice', 'roll_dice'))
    assert.ok(!alice.allows('dice', 'roll_d20', 'roll_d20'), 'denied by the second rule, which also matches')
    assert.ok(alice.allows('fixture', 'echo', 'echo'))
    assert.ok(!bob.allows('dice', 'roll_dice', 'roll_dice'))
    assert.ok(bob.allows('sticky', 'slow', 'sticky_slow'))
    assert.ok(!bob.allows('sticky', 'echo', 'sticky_echo'))
    assert.deepEqual(carol.rules, [])
    assert.ok(!carol.allows('dice', 'roll_dice', 'roll_dice'))
    assert.ok(!policy.forCaller(LOCAL_CALLER).allows('dice', 'roll_dice', 'roll_dice'))
  })

  test('identities: OAuth subject, client, groups, Keycloak roles, scopes, local, anonymous, *', async () => {
    const policy = await policyOf(`rules:
  - {who: ["oauth:user-1*"], tools: [a]}
  - {who: ["client:cli"], tools: [b]}
  - {who: ["group:dev"], tools: [c]}
  - {who: ["role:admin"], tools: [d]}
  - {who: ["scope:tools.write"], tools: [e]}
  - {who: [local], tools: [f]}
  - {who: [anonymous], tools: [g]}
  - {who: ["*"], tools: [h]}
`)
    const can = (c: Caller) => 'abcdefgh'.split('').filter((t) => policy.forCaller(c).allows('s', t, t))
    assert.deepEqual(can(oauth('user-12')), ['a', 'h'])
    assert.deepEqual(can(oauth('x', {clientId: 'cli'})), ['b', 'h'])
    assert.deepEqual(can(oauth('x', {claims: {groups: ['ops', 'dev']}})), ['c', 'h'])
    assert.deepEqual(can(oauth('x', {claims: {realm_access: {roles: ['admin']}}})), ['d', 'h'])
    assert.deepEqual(can(oauth('x', {claims: {resource_access: {gw: {roles: ['admin']}}}})), ['d', 'h'])
    assert.deepEqual(can(oauth('x', {scopes: ['tools.read', 'tools.write']})), ['e', 'h'])
    assert.deepEqual(can(LOCAL_CALLER), ['f', 'h'])
    assert.deepEqual(can({id: 'anonymous', via: 'none', name: 'anonymous'}), ['g', 'h'])
    // A token named like an OAuth subject is not that subject.
    assert.deepEqual(can(token('user-12')), ['h'])
  })

  test('limits: the first matching rule with limits, else the top level; tool limits by pattern', async () => {
    const policy = await policyOf(`rules:
  - {who: [token:a], tools: [x]}
  - {who: [token:a], tools: [y], limits: {callsPerMinute: 5}}
  - {who: [token:a], tools: [z], limits: {callsPerMinute: 9}}
  - {who: [token:b], tools: [x]}
limits:
  concurrentCalls: 2
  tools:
    "dice:roll_*": {callsPerMinute: 10}
`)
    assert.deepEqual(policy.forCaller(token('a')).limits, {callsPerMinute: 5})
    assert.deepEqual(policy.forCaller(token('b')).limits, {concurrentCalls: 2})
    assert.deepEqual(policy.forCaller(token('b')).toolLimits('dice', 'roll_dice', 'roll_dice'), {
      pattern: 'dice:roll_*',
      limits: {callsPerMinute: 10},
    })
    assert.equal(policy.forCaller(token('b')).toolLimits('fixture', 'echo', 'echo'), undefined)
  })
})

describe('token bucket and limiter', () => {
  test('a full bucket allows its burst, then says how long until the next token; tokens come back', () => {
    const bucket = new TokenBucket(60, 2, 0)
    assert.equal(bucket.take(0), 0)
    assert.equal(bucket.take(0), 0)
    assert.equal(bucket.take(0), 1)
    assert.equal(bucket.take(500), 1)
    assert.equal(bucket.take(1000), 0)
    assert.equal(bucket.take(1000), 1)
    assert.ok(!bucket.full(1500))
    assert.ok(bucket.full(3000))
  })

  test('slow rates round the wait up to whole seconds', () => {
    const bucket = new TokenBucket(2, 1, 0)
    assert.equal(bucket.take(0), 0)
    assert.equal(bucket.take(0), 30)
    assert.equal(bucket.take(29_500), 1)
    assert.equal(bucket.take(30_000), 0)
  })

  test('concurrency: at most max at once; a release frees one place, twice is once', () => {
    const limiter = new RateLimiter(() => 0)
    const one = limiter.enter('k', 2)!
    const two = limiter.enter('k', 2)!
    assert.equal(limiter.enter('k', 2), undefined)
    one()
    one()
    const three = limiter.enter('k', 2)
    assert.ok(three)
    assert.equal(limiter.enter('k', 2), undefined)
    two()
    three()
  })

  test('the stage: per identity and per tool, retry-after in the message and in data; refused calls are not forwarded', async () => {
    let now = 0
    const limiter = new RateLimiter(() => now)
    const source: LimitSource = {
      callerLimits: (c) => (c.id === 'token:a' ? {callsPerMinute: 60, burst: 2} : {}),
      toolLimits: (_c, _s, _t, name) =>
        name === 'slow' ? {key: 'slow', limits: {concurrentCalls: 1}} : undefined,
    }
    const pipeline = new CallPipeline([rateLimitStage(limiter, source)])
    let forwarded = 0
    const ok = async (): Promise<CallAnswer> => {
      forwarded++
      return {kind: 'result', result: {content: []}}
    }
    const call = (caller: Caller, name = 'echo') =>
      toolCall({session: 's', caller, name, server: 'f', tool: name, arguments: {}, via: 'sdk'})
    await pipeline.run(call(token('a')), ok)
    await pipeline.run(call(token('a')), ok)
    const err = await pipeline.run(call(token('a')), ok).catch((e: unknown) => e)
    assert.ok(err instanceof RateLimitedError)
    assert.deepEqual(err.data, {retryAfterSeconds: 1})
    assert.match(err.message, /token:a may make 60 tool calls a minute; retry after 1 s/)
    assert.equal(forwarded, 2)
    // Another identity has its own bucket; and this one recovers with time.
    await pipeline.run(call(token('b')), ok)
    now = 1000
    await pipeline.run(call(token('a')), ok)
    // Per tool: one "slow" call at a time per identity; the place is freed when the call ends.
    let finish!: () => void
    const running = pipeline.run(
      call(token('b'), 'slow'),
      () => new Promise((r) => (finish = () => r({kind: 'result', result: {content: []}}))),
    )
    const second = await pipeline.run(call(token('b'), 'slow'), ok).catch((e: unknown) => e)
    assert.ok(second instanceof RateLimitedError)
    assert.match(second.message, /token:b may make 1 calls of slow at once/)
    finish()
    await running
    await pipeline.run(call(token('b'), 'slow'), ok)
  })

  test('the front door throttle: requests a minute per identity, only where the policy sets it', () => {
    const limiter = new RateLimiter(() => 0)
    const throttle = requestThrottle(limiter, {
      callerLimits: (c) => (c.id === 'token:a' ? {requestsPerMinute: 1} : {}),
      toolLimits: () => undefined,
    })
    assert.equal(throttle(token('a')), undefined)
    const refused = throttle(token('a'))
    assert.equal(refused?.retryAfterSeconds, 60)
    assert.match(refused!.message, /token:a may make 1 requests a minute; retry after 60 s/)
    assert.equal(throttle(token('b')), undefined)
    assert.equal(throttle(token('b')), undefined)
  })
})

describe('policy holder: the view layer, the guard and hot reload', () => {
  test('the layer hides and the guard refuses, naming the policy; an invalid edit keeps the last good policy', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'team.yaml')
    await writeFile(file, 'rules:\n  - {who: [token:a], tools: [echo]}\n')
    const warnings: string[] = []
    const holder = await PolicyHolder.open(
      file,
      {info: () => {}, warn: (m) => warnings.push(m)},
      {watch: false},
    )
    const layer = policyToolView(holder)
    const target = {
      origin: {server: 'f', name: 'echo'},
      tool: {name: 'echo', inputSchema: {type: 'object' as const}},
    }
    const session = (caller: Caller) => ({id: 's', caller, ephemeral: false})
    assert.equal(layer.name, 'access policy team.yaml')
    assert.ok(layer.allows!(session(token('a')), 'echo', target))
    assert.ok(!layer.allows!(session(token('b')), 'echo', target))
    const pipeline = new CallPipeline([policyStage(holder)])
    const call = (caller: Caller) =>
      toolCall({session: 's', caller, name: 'echo', server: 'f', tool: 'echo', arguments: {}, via: 'sdk'})
    const err = await pipeline
      .run(call(token('b')), async () => assert.fail('forwarded'))
      .catch((e: unknown) => e)
    assert.ok(err instanceof CallRefusedError)
    assert.equal(err.guard, 'policy')
    assert.match(
      err.message,
      /access policy team\.yaml: tool "echo" is not allowed \(no rule matches token:b\)/,
    )

    let changes = 0
    holder.onChange(() => changes++)
    await writeFile(file, 'rules:\n  - {who: [token:b], tools: [echo]}\n')
    assert.equal(await holder.reload(), true)
    assert.equal(changes, 1)
    assert.ok(layer.allows!(session(token('b')), 'echo', target))
    assert.ok(!layer.allows!(session(token('a')), 'echo', target))
    await writeFile(file, 'rules:\n  - {who: [token:a], tools: [echo], typo: 1}\n')
    assert.equal(await holder.reload(), false)
    assert.equal(changes, 1)
    assert.match(
      warnings.join('\n'),
      /team\.yaml not reloaded, the previous one stays in force: .*team\.yaml:2:\d+: .*typo/,
    )
    assert.ok(layer.allows!(session(token('b')), 'echo', target), 'the last good policy is still in force')
    holder.close()
  })
})

describe('audit log', () => {
  test('shape: types and sizes of top-level fields, never a value; nested keys left out', () => {
    const shape = auditShape({
      text: 'secret-value',
      n: 42,
      list: [1, 2, 3],
      nested: {'alice@example.com': 1},
      nil: null,
      ok: true,
    })
    assert.deepEqual(shape, {
      text: 'string(12)',
      n: 'number',
      list: 'array(3)',
      nested: 'object(1)',
      nil: 'null',
      ok: 'boolean',
    })
    assert.ok(!JSON.stringify(shape).includes('secret-value'))
    assert.ok(!JSON.stringify(shape).includes('alice@example.com'))
    assert.equal(auditShape(undefined), 'none')
  })

  test('one JSON line per call with identity, outcome and guard; refusals and failures recorded too', async () => {
    const lines: string[] = []
    const sink: AuditSink = {write: (l) => lines.push(l), close: () => {}}
    const pipeline = new CallPipeline([auditStage(sink, () => new Date(0))])
    const call = toolCall({
      session: 'sess-1',
      caller: token('ci'),
      name: 'sticky_echo',
      server: 'sticky',
      tool: 'echo',
      arguments: {text: 'do-not-log-me'},
      via: 'sdk',
    })
    await pipeline.run(call, async () => ({kind: 'result', result: {content: []}}))
    await pipeline.run(call, async () => ({kind: 'result', result: {content: [], isError: true}}))
    await pipeline
      .run(call, async () => {
        throw new CallRefusedError('secrets', 'blocked')
      })
      .catch(() => {})
    await pipeline
      .run(call, async () => {
        throw new Error('container died')
      })
      .catch(() => {})
    await pipeline.run(call, async () => ({
      kind: 'text',
      text: '{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}',
      idMemberAt: 0,
    }))
    assert.equal(lines.length, 5)
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')))
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.deepEqual(
      records.map((r) => [r.outcome, r.guard]),
      [
        ['ok', undefined],
        ['error', undefined],
        ['refused', 'secrets'],
        ['failed', undefined],
        ['error', undefined],
      ],
    )
    assert.deepEqual(
      {...records[0], durationMs: 0},
      {
        time: '1970-01-01T00:00:00.000Z',
        identity: 'token:ci',
        via: 'token',
        session: 'sess-1',
        server: 'sticky',
        tool: 'echo',
        name: 'sticky_echo',
        outcome: 'ok',
        durationMs: 0,
        arguments: {text: 'string(13)'},
        requestBytes: Buffer.byteLength(
          JSON.stringify({name: 'sticky_echo', arguments: {text: 'do-not-log-me'}}),
        ),
      },
    )
    assert.ok(!lines.join('').includes('do-not-log-me'))
  })

  test('rotation: past the size the file becomes .1, .1 becomes .2; the oldest beyond keep is dropped; 0600', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'audit.log')
    const log = new RotatingFile(file, 100, 2)
    const line = (i: number) => `${JSON.stringify({i, pad: 'x'.repeat(30)})}\n` // 45 bytes
    for (let i = 0; i < 9; i++) {
      log.write(line(i))
      // Sometimes while a write is under way, sometimes not: the order and the rotation are the same.
      if (i % 3 === 0) await log.drained()
    }
    await log.drained()
    log.close()
    assert.deepEqual((await readdir(dir)).sort(), ['audit.log', 'audit.log.1', 'audit.log.2'])
    const idsIn = async (f: string) =>
      (await readFile(path.join(dir, f), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as {i: number}).i)
    assert.deepEqual(await idsIn('audit.log'), [8])
    assert.deepEqual(await idsIn('audit.log.1'), [6, 7])
    assert.deepEqual(await idsIn('audit.log.2'), [4, 5])
    const {statSync} = await import('node:fs')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    // Reopened, it appends and counts what is there.
    const again = new RotatingFile(file, 100, 2)
    again.write(line(9))
    again.write(line(10))
    again.close()
    // Closed while its first write was under way: the rest is written, then the file closed.
    await again.drained()
    assert.deepEqual(await idsIn('audit.log'), [10])
    assert.deepEqual(await idsIn('audit.log.1'), [8, 9])
  })
})

describe('named tokens', () => {
  test('stored hashed; accepted by the static authenticator as token:<name> beside the gateway token; rm revokes', async () => {
    const dir = await tempDir()
    const paths = mcpPaths({HOME: dir})
    const ci = await createToken(paths, 'ci')
    const deploy = await createToken(paths, 'deploy')
    assert.match(ci.token, /^dmcp_[A-Za-z0-9_-]{43}$/)
    const stored = await readFile(paths.gatewayTokens, 'utf8')
    assert.ok(!stored.includes(ci.token) && !stored.includes(ci.token.slice(5)))
    const {statSync} = await import('node:fs')
    assert.equal(statSync(paths.gatewayTokens).mode & 0o777, 0o600)
    assert.deepEqual(
      (await listTokens(paths)).map((t) => t.name),
      ['ci', 'deploy'],
    )
    await assert.rejects(createToken(paths, 'ci'), /a gateway token named "ci" exists/)
    await assert.rejects(createToken(paths, 'default'), /"default" is the gateway's own token/)
    await assert.rejects(createToken(paths, '../x'), /invalid token name/)

    const auth = staticTokenAuthenticator('the-gateway-token', new NamedTokens(paths.gatewayTokens))
    const admit = (header?: string) =>
      auth.admit({headers: header ? {authorization: header} : {}} as never) as {
        caller?: Caller
        refused?: unknown
      }
    assert.equal(admit('Bearer the-gateway-token').caller?.id, 'token:default')
    assert.equal(admit(`Bearer ${ci.token}`).caller?.id, 'token:ci')
    assert.equal(admit(`bearer ${deploy.token}`).caller?.id, 'token:deploy')
    // One caller object per name: the policy's answers for it are computed once.
    assert.equal(admit(`Bearer ${ci.token}`).caller, admit(`Bearer ${ci.token}`).caller)
    assert.ok(admit(`Bearer ${ci.token}x`).refused)
    assert.ok(admit().refused)
    await removeTokens(paths, ['ci'])
    assert.ok(admit(`Bearer ${ci.token}`).refused, 'a removed token is refused at once')
    assert.equal(admit(`Bearer ${deploy.token}`).caller?.id, 'token:deploy')
    await assert.rejects(removeTokens(paths, ['ci']), /no gateway token named "ci"/)
  })
})
