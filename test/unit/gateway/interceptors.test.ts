import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, describe, test} from 'node:test'

import {UsageError} from '../../../src/errors.js'
import {gatewayOptionsFromFlags, GATEWAY_RUN_FLAGS} from '../../../src/gateway/flags.js'
import {
  CallRefusedError,
  toolCall,
  type CallAnswer,
  type ToolCall,
} from '../../../src/gateway/pipeline/call.js'
import {callStages} from '../../../src/gateway/pipeline/index.js'
import {
  createRunner,
  InterceptorFailure,
  interceptorContainerSpec,
  type InterceptorOutcome,
} from '../../../src/gateway/pipeline/interceptors/runners.js'
import {parseInterceptor, shellSplit} from '../../../src/gateway/pipeline/interceptors/spec.js'
import {interceptorStage, refusalReason} from '../../../src/gateway/pipeline/interceptors/stage.js'
import {CallPipeline} from '../../../src/gateway/pipeline/pipeline.js'
import type {Logger} from '../../../src/gateway/logger.js'
import {parseFlagsFast, type FlagValues} from '../../../src/cli/flag-spec.js'
import {LOCAL_CALLER} from '../../../src/gateway/session/caller.js'

/** Issue #16: `--interceptor when:type:arg`, the original's flag, with refusal and rewriting added. */

function logger(): Logger & {lines: string[]} {
  const lines: string[] = []
  return {lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {}}
}

const call = (
  args: Record<string, unknown> = {text: 'hi'},
  over: Partial<Parameters<typeof toolCall>[0]> = {},
) =>
  toolCall({
    session: 's',
    caller: LOCAL_CALLER,
    name: 'sticky__echo',
    server: 'sticky',
    tool: 'echo',
    arguments: args,
    via: 'sdk',
    ...over,
  })

const ok = (text: string): CallAnswer => ({kind: 'result', result: {content: [{type: 'text', text}]}})

describe('parsing --interceptor', () => {
  test('when:type:arg, split on the first two colons, case-insensitive when and type', () => {
    const s = parseInterceptor('BEFORE:Exec:jq -c . | tee /tmp/x:y', 1)
    assert.deepEqual([s.when, s.type, s.arg], ['before', 'exec', 'jq -c . | tee /tmp/x:y'])
    const h = parseInterceptor('after:http:http://127.0.0.1:9000/after', 2)
    assert.equal(h.url?.href, 'http://127.0.0.1:9000/after')
    const d = parseInterceptor('before:docker:docker-mcp-fixture:t node -e "1 + 1"', 3)
    assert.deepEqual(d.docker, {
      image: 'docker-mcp-fixture:t',
      args: ['node', '-e', '1 + 1'],
      network: 'none',
      memory: undefined,
    })
  })

  test('a bad value is a usage error naming it and the expected form', () => {
    for (const [value, why] of [
      ['before', /expected when:type:arg/],
      ['before:exec', /expected when:type:arg/],
      ['during:exec:x', /when must be "before" or "after", not "during"/],
      ['before:grpc:x', /type must be "exec", "docker" or "http", not "grpc"/],
      ['after:exec:  ', /nothing after "after:exec:"/],
      ['before:http:localhost:8080/x', /the URL must start with http:\/\/ or https:\/\//],
      ['before:http:not a url', /is not a URL/],
      ['before:docker:--privileged img', /"--privileged" is not a docker option an interceptor may set/],
      ['before:docker:img "unclosed', /unterminated double quote/],
    ] as const) {
      assert.throws(
        () => parseInterceptor(value, 1),
        (err: Error) =>
          err instanceof UsageError && why.test(err.message) && err.message.includes('--interceptor'),
        value,
      )
    }
  })

  test('through the flag table (both parsers): repeatable, in order, bad syntax a usage error', () => {
    const flags = parseFlagsFast(
      [
        '--interceptor',
        'before:exec:cat',
        '--interceptor=after:http:http://127.0.0.1:1/a',
        '--interceptor-timeout',
        '3',
      ],
      GATEWAY_RUN_FLAGS,
    ) as FlagValues<typeof GATEWAY_RUN_FLAGS>
    const options = gatewayOptionsFromFlags(flags, '1')
    assert.deepEqual(
      options.interceptors?.map((i) => `${i.index}:${i.when}:${i.type}`),
      ['1:before:exec', '2:after:http'],
    )
    assert.equal(options.interceptorTimeoutSeconds, 3)
    const bad = parseFlagsFast(['--interceptor', 'before:exec'], GATEWAY_RUN_FLAGS) as FlagValues<
      typeof GATEWAY_RUN_FLAGS
    >
    assert.throws(
      () => gatewayOptionsFromFlags(bad, '1'),
      /invalid --interceptor "before:exec": expected when:type:arg/,
    )
  })

  test('the name in errors and logs carries no command arguments, URL credentials or query', () => {
    assert.equal(
      parseInterceptor('before:exec:/bin/check --token s3cr3t', 1).label,
      'interceptor 1 (before:exec /bin/check)',
    )
    const h = parseInterceptor('after:http:https://user:s3cr3t@example.test:8443/hook?key=s3cr3t#x', 2)
    assert.equal(h.label, 'interceptor 2 (after:http https://example.test:8443/hook)')
    assert.equal(
      parseInterceptor('before:docker:img --token s3cr3t', 3).label,
      'interceptor 3 (before:docker img)',
    )
  })

  test('docker arguments split like a shell (the original uses shlex); --network and --memory allowed', () => {
    assert.deepEqual(shellSplit(`a 'b c' "d \\"e\\"" f\\ g ''`), ['a', 'b c', 'd "e"', 'f g', ''])
    const d = parseInterceptor('after:docker:--network=bridge --memory 64m img x', 1).docker
    assert.deepEqual(d, {image: 'img', args: ['x'], network: 'bridge', memory: '64m'})
  })
})

describe('the exec runner (a real /bin/sh)', () => {
  const exec = (arg: string, options: {timeoutMs?: number; maxOutputBytes?: number; log?: Logger} = {}) =>
    createRunner(parseInterceptor(`before:exec:${arg}`, 1), {
      timeoutMs: options.timeoutMs ?? 10_000,
      maxOutputBytes: options.maxOutputBytes,
      logger: options.log ?? logger(),
    })

  test('the payload on stdin, stdout the answer, stderr to the log', async () => {
    const log = logger()
    const out = await exec(`tr a-z A-Z; echo note >&2`, {log}).run('{"x":"abc"}')
    assert.deepEqual(out, {kind: 'output', text: '{"X":"ABC"}'})
    assert.deepEqual(log.lines, ['  - interceptor 1 (before:exec tr): note'])
  })

  test('exit code 2 refuses; other codes fail; a command that does not read stdin is fine', async () => {
    assert.deepEqual(await exec('echo no way; exit 2').run('x'.repeat(1 << 20)), {
      kind: 'refused',
      text: 'no way\n',
    })
    await assert.rejects(
      exec('exit 7').run('{}'),
      (e: Error) => e instanceof InterceptorFailure && e.message === 'exited with code 7',
    )
  })

  test('a timeout kills the command and what it started', async () => {
    await assert.rejects(
      exec('sleep 30; echo late', {timeoutMs: 200}).run('{}'),
      /did not answer within 0\.2s \(--interceptor-timeout\)/,
    )
  })

  test('output beyond the limit fails', async () => {
    await assert.rejects(exec('yes', {maxOutputBytes: 1000}).run('{}'), /wrote more than 1000 bytes/)
  })
})

describe('the http runner (a real server on 127.0.0.1)', () => {
  let server: Server
  let base: string
  const seen: Array<{url: string; body: string; headers: IncomingMessage['headers']}> = []
  before(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({url: req.url!, body, headers: req.headers})
        if (req.url === '/hang') return
        if (req.url === '/refuse') return void res.writeHead(403).end('not on my watch')
        if (req.url === '/fail') return void res.writeHead(500).end('{"content":[]}')
        if (req.url === '/redirect') return void res.writeHead(307, {location: '/ok'}).end()
        if (req.url === '/big') return void res.writeHead(200).end('x'.repeat(5000))
        res.writeHead(200, {'content-type': 'application/json'}).end(body.toUpperCase())
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })
  const http = (path: string, timeoutMs = 10_000, url = `${base}${path}`) =>
    createRunner(parseInterceptor(`after:http:${url}`, 1), {
      timeoutMs,
      maxOutputBytes: 1000,
      logger: logger(),
    })

  test('POSTs the JSON payload to the URL; 2xx body is the answer; credentials become a Basic header', async () => {
    const user = base.replace('http://', 'http://bob:pa%40ss@')
    assert.deepEqual(await http('', 10_000, `${user}/ok?q=1`).run('{"a":1}'), {
      kind: 'output',
      text: '{"A":1}',
    })
    const last = seen.at(-1)!
    assert.equal(last.url, '/ok?q=1')
    assert.equal(last.headers['content-type'], 'application/json')
    assert.equal(last.headers.authorization, `Basic ${Buffer.from('bob:pa@ss').toString('base64')}`)
  })

  test('403 refuses with its body; other statuses fail; redirects are not followed', async () => {
    assert.deepEqual(await http('/refuse').run('{}'), {kind: 'refused', text: 'not on my watch'})
    await assert.rejects(http('/fail').run('{}'), /answered HTTP 500$/)
    const before = seen.length
    await assert.rejects(http('/redirect').run('{}'), /answered HTTP 307 \(redirects are not followed\)/)
    assert.equal(seen.length, before + 1, 'only the URL given was asked')
  })

  test('a timeout, an unreachable URL and an oversized body fail', async () => {
    await assert.rejects(http('/hang', 200).run('{}'), /did not answer within 0\.2s/)
    // A port nothing listens on any more.
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    await assert.rejects(
      http('', 10_000, `http://127.0.0.1:${port}/x`).run('{}'),
      /could not be reached: ECONNREFUSED/,
    )
    await assert.rejects(http('/big').run('{}'), /answered more than 1000 bytes/)
  })
})

describe('the stage: what an answer means', () => {
  /** A runner that answers `outcome` (or fails), recording the payload. */
  function fixed(outcome: InterceptorOutcome | Error, payloads: string[] = []) {
    return {
      run: async (payload: string) => {
        payloads.push(payload)
        if (outcome instanceof Error) throw outcome
        return outcome
      },
    }
  }
  async function through(
    when: 'before' | 'after',
    outcome: InterceptorOutcome | Error,
    c: ToolCall = call(),
  ) {
    const payloads: string[] = []
    const forwarded: ToolCall[] = []
    const stage = interceptorStage(
      parseInterceptor(`${when}:exec:check --secret x`, 1),
      fixed(outcome, payloads),
      logger(),
    )
    const answer = await new CallPipeline([stage]).run(c, async (f) => {
      forwarded.push(f)
      return ok(`server saw ${JSON.stringify(f.arguments)}`)
    })
    return {answer, payloads, forwarded}
  }
  const output = (text: string): InterceptorOutcome => ({kind: 'output', text})
  const refused = (e: Error, what: string) =>
    e instanceof CallRefusedError && e.guard === 'interceptor 1 (before:exec)' && e.message.includes(what)

  test('before: the original payload; empty output lets the call through', async () => {
    const r = await through('before', output('  \n'))
    assert.deepEqual(r.payloads, [
      '{"method":"tools/call","params":{"name":"sticky__echo","arguments":{"text":"hi"}}}',
    ])
    assert.deepEqual(r.answer, ok('server saw {"text":"hi"}'))
  })

  test('before: {"arguments"} or the request shape rewrites the arguments; the payload echoed changes nothing', async () => {
    for (const text of [
      '{"arguments":{"text":"new"}}',
      '{"method":"tools/call","params":{"name":"sticky__echo","arguments":{"text":"new"}}}',
    ]) {
      assert.deepEqual((await through('before', output(text))).answer, ok('server saw {"text":"new"}'))
    }
    const echoed = await through(
      'before',
      output('{"method":"tools/call","params":{"name":"sticky__echo","arguments":{"text":"hi"}}}'),
    )
    assert.deepEqual(echoed.answer, ok('server saw {"text":"hi"}'))
  })

  test('before: a CallToolResult is the answer and the server is not called (the original)', async () => {
    const r = await through('before', output('{"content":[{"type":"text","text":"from the interceptor"}]}'))
    assert.deepEqual(r.answer, ok('from the interceptor'))
    assert.equal(r.forwarded.length, 0)
    const empty = await through('before', output('{"isError":true}'))
    assert.deepEqual(empty.answer, {kind: 'result', result: {isError: true, content: []}})
  })

  test('before: a refusal (exit 2 / 403, or {"refuse"}) names the interceptor and its reason, never the payload', async () => {
    for (const outcome of [
      {kind: 'refused', text: 'not allowed\nmore'} as const,
      output('{"refuse":"not allowed"}'),
    ]) {
      const err = await through('before', outcome).catch((e: Error) => e)
      assert.ok(
        refused(
          err as Error,
          'interceptor 1 (before:exec check) refused the call of tool sticky__echo: not allowed',
        ),
        String(err),
      )
      assert.doesNotMatch((err as Error).message, /--secret|"hi"/)
    }
  })

  test('before: a failure, bad JSON, a bad result or another tool fails closed', async () => {
    for (const [outcome, what] of [
      [
        new InterceptorFailure('exited with code 1'),
        'interceptor 1 (before:exec check) exited with code 1: the call was refused',
      ],
      [output('not json'), 'answered something that is not JSON: the call was refused'],
      [output('[1]'), 'answered JSON that is not an object'],
      [output('{"content":"x"}'), 'answered a result whose content is not a list'],
      [output('{"params":{"name":"other","arguments":{}}}'), 'answered a call to another tool'],
      [output('{"arguments":[1]}'), 'answered arguments that are not an object'],
    ] as const) {
      const r = await through('before', outcome).then(
        (x) => x,
        (e: Error) => e,
      )
      assert.ok(
        r instanceof Error && refused(r, what),
        `${what}: ${r instanceof Error ? r.message : 'passed'}`,
      )
    }
  })

  test('after: the result as payload; empty keeps it, a CallToolResult replaces it, a refusal withholds it', async () => {
    const kept = await through('after', output(''))
    assert.deepEqual(kept.payloads, [
      '{"content":[{"type":"text","text":"server saw {\\"text\\":\\"hi\\"}"}]}',
    ])
    assert.deepEqual(kept.answer, ok('server saw {"text":"hi"}'))
    assert.deepEqual(
      (await through('after', output('{"content":[{"type":"text","text":"redacted"}]}'))).answer,
      ok('redacted'),
    )
    const err = (await through('after', {kind: 'refused', text: ''}).catch((e: Error) => e)) as Error
    assert.ok(err instanceof CallRefusedError && err.guard === 'interceptor 1 (after:exec)')
    assert.equal(
      err.message,
      'interceptor 1 (after:exec check) refused the result of tool sticky__echo: no reason given',
    )
  })

  test('after: a raw-path answer (unparsed text) is given as its result; server errors pass untouched', async () => {
    const payloads: string[] = []
    const stage = interceptorStage(parseInterceptor('after:exec:x', 1), fixed(output(''), payloads), logger())
    const text = '{"result":{"content":[{"type":"text","text":"raw"}]},"jsonrpc":"2.0","id":"gw-1"}'
    const raw: CallAnswer = {kind: 'text', text, idMemberAt: text.indexOf('"id"')}
    assert.equal(await new CallPipeline([stage]).run(call(), async () => raw), raw)
    assert.deepEqual(payloads, ['{"content":[{"type":"text","text":"raw"}]}'])
    const error: CallAnswer = {kind: 'error', error: {code: -32602, message: 'bad'}}
    assert.equal(await new CallPipeline([stage]).run(call(), async () => error), error)
    assert.equal(payloads.length, 1)
  })

  test('a resumed 2026-07-28 round does not pass the before-interceptor again', async () => {
    const r = await through('before', output('{"refuse":"no"}'), call({}, {resumed: true}))
    assert.equal(r.payloads.length, 0)
  })

  test('refusal reasons are one printable line, bounded', () => {
    assert.equal(refusalReason('\n  first\u0007 line \nsecond'), 'first  line')
    assert.equal(refusalReason('r'.repeat(400)).length, 301)
  })

  test('callStages: one stage per --interceptor in order; none without', () => {
    assert.deepEqual(callStages({}), [])
    const stages = callStages({
      interceptors: [
        parseInterceptor('before:exec:a', 1),
        parseInterceptor('after:http:http://127.0.0.1:1/', 2),
      ],
    })
    assert.deepEqual(
      stages.map((s) => s.name),
      ['interceptor 1 (before:exec)', 'interceptor 2 (after:http)'],
    )
  })
})

test('a docker interceptor runs least-privileged, without network unless asked, labelled for cleanup', () => {
  const spec = parseInterceptor('before:docker:img:1 a b', 4)
  const c = interceptorContainerSpec(spec, spec.docker!, {'docker-mcp-gateway': 'g1'})
  assert.deepEqual(c.Cmd, ['a', 'b'])
  assert.equal(c.HostConfig.NetworkMode, 'none')
  assert.deepEqual(c.HostConfig.CapDrop, ['ALL'])
  assert.deepEqual(c.HostConfig.SecurityOpt, ['no-new-privileges'])
  assert.equal(c.HostConfig.Memory, 512 * 1024 * 1024)
  assert.equal(c.HostConfig.ReadonlyRootfs, true)
  assert.equal(c.HostConfig.AutoRemove, true)
  assert.deepEqual(c.Labels, {
    'docker-mcp-gateway': 'g1',
    'docker-mcp': 'true',
    'docker-mcp-tool-type': 'interceptor',
    'docker-mcp-interceptor': '4',
  })
  const open = parseInterceptor('before:docker:--network=bridge --memory=0 img', 1)
  const o = interceptorContainerSpec(open, open.docker!, {})
  assert.equal(o.HostConfig.NetworkMode, 'bridge')
  assert.equal(o.HostConfig.Memory, undefined)
})
