import assert from 'node:assert/strict'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {createDocker} from '../../src/docker/engine.js'
import {ContainerRuntime} from '../../src/docker/runtime.js'
import {silentLogger} from '../../src/gateway/logger.js'
import {createRunner} from '../../src/gateway/pipeline/interceptors/runners.js'
import {parseInterceptor} from '../../src/gateway/pipeline/interceptors/spec.js'
import {mcpPaths} from '../../src/paths.js'
import {
  connectGateway,
  eventually,
  IMAGES,
  textOf,
  writeTestCatalog,
  type ConnectedGateway,
} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #16: `--interceptor when:type:arg` on both call paths. The raw hot path: a 2025-era stdio client
 * calling a long-lived server (`sticky`) that is already running, without a progress token. The SDK path:
 * a per-call server (`fixture`) over stdio, and the long-lived one over Streamable HTTP. Each interceptor
 * acts only on the texts that name its kind (exec, http, docker), so several can sit in one gateway.
 */

/** One script for exec and docker interceptors: its kind is its first argument. */
const SCRIPT = `
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
if (process.argv[2] === 'sleep') setInterval(() => {}, 1000)
if (process.argv[2] === 'probe') {
  const writable = (file) => { try { writeFileSync(file, 'x'); return true } catch { return false } }
  const status = readFileSync('/proc/self/status', 'utf8')
  process.stdout.write(JSON.stringify({content: [{type: 'text', text: JSON.stringify({
    capEff: /CapEff:\\s+(\\w+)/.exec(status)[1],
    noNewPrivs: /NoNewPrivs:\\s+(\\d)/.exec(status)[1],
    interfaces: readdirSync('/sys/class/net'),
    rootWritable: writable('/probe'),
    tmpWritable: writable('/tmp/probe'),
  })}]}))
  process.exit(0)
}
let input = ''
process.stdin.setEncoding('utf8').on('data', (c) => (input += c)).on('end', () => {
  const kind = process.argv[2]
  const payload = JSON.parse(input)
  const out = (v) => process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v))
  if (payload.method === 'tools/call') {
    const args = payload.params.arguments ?? {}
    const what = args.text ?? args.mode
    if (what === kind + ' rewrite') return out({arguments: {text: kind + ' rewrote this'}})
    if (what === kind + ' refuse') { out(kind + ' says no'); process.exitCode = 2; return }
    if (what === kind + ' answer') return out({content: [{type: 'text', text: kind + ' answered'}]})
    return
  }
  const text = payload.content?.[0]?.text
  if (text === kind + ' after-rewrite') return out({content: [{type: 'text', text: kind + ' replaced the result'}]})
  if (text === kind + ' after-refuse') { out(kind + ' withholds it'); process.exitCode = 2 }
})
`

const TAG = process.env.DOCKER_MCP_TEST_TAG || 'test'
const INTERCEPTOR_IMAGE = `docker-mcp-interceptor-test:${TAG}`

let sandbox: Sandbox
let script: string
let hook: Server
let hookBase: string
const hookSaw: string[] = []

/** The http interceptor: the same rules as the script, with 403 for a refusal. */
function startHook(): Promise<void> {
  hook = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (c: string) => (body += c))
    req.on('end', () => {
      hookSaw.push(`${req.url} ${body}`)
      const payload = JSON.parse(body) as {
        method?: string
        params?: {arguments?: {text?: string; mode?: string}}
        content?: Array<{text?: string}>
      }
      const json = (v: unknown) =>
        res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(v))
      if (req.url === '/before') {
        const what = payload.params?.arguments?.text ?? payload.params?.arguments?.mode
        if (what === 'http rewrite') return json({arguments: {text: 'http rewrote this'}})
        if (what === 'http refuse') return void res.writeHead(403).end('http says no')
        if (what === 'http answer') return json({content: [{type: 'text', text: 'http answered'}]})
      } else {
        const text = payload.content?.[0]?.text
        if (text === 'http after-rewrite')
          return json({content: [{type: 'text', text: 'http replaced the result'}]})
        if (text === 'http after-refuse') return json({refuse: 'http withholds it'})
      }
      res.writeHead(204).end()
    })
  })
  return new Promise<void>((r) =>
    hook.listen(0, '127.0.0.1', () => {
      hookBase = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`
      r()
    }),
  )
}

const interceptorArgs = () => [
  '--interceptor',
  `before:exec:node ${script} exec`,
  '--interceptor',
  `before:http:${hookBase}/before`,
  '--interceptor',
  `after:exec:node ${script} exec`,
  '--interceptor',
  `after:http:${hookBase}/after`,
]

before(async () => {
  sandbox = await makeSandbox()
  script = path.join(sandbox.home, 'interceptor.mjs')
  await writeFile(script, SCRIPT)
  await startHook()
})
after(async () => {
  hook.closeAllConnections()
  hook.close()
  await sandbox.cleanup()
})

type Call = (name: string, args: Record<string, unknown>) => Promise<string>

/** The cases every path must pass; `tool` is the echo tool, `bump` counts the calls its server got. */
function cases(label: string, call: () => Call, tool: string, bump?: string): void {
  for (const kind of ['exec', 'http']) {
    test(`${label}: a ${kind} before-interceptor rewrites the arguments: the server sees the new ones`, async () => {
      assert.equal(await call()(tool, {text: `${kind} rewrite`}), `${kind} rewrote this`)
    })

    test(`${label}: a ${kind} before-interceptor refuses: the client reads who and why`, async () => {
      const index = kind === 'exec' ? 1 : 2
      const what = kind === 'exec' ? 'exec node' : `http ${hookBase}/before`
      await assert.rejects(
        call()(tool, {text: `${kind} refuse`}),
        new RegExp(
          `interceptor ${index} \\(before:${what}\\) refused the call of tool ${tool}: ${kind} says no`,
        ),
      )
    })

    test(`${label}: a ${kind} before-interceptor's CallToolResult is the answer (the original's)`, async () => {
      assert.equal(await call()(tool, {text: `${kind} answer`}), `${kind} answered`)
    })

    test(`${label}: a ${kind} after-interceptor replaces the result, or refuses it`, async () => {
      assert.equal(await call()(tool, {text: `${kind} after-rewrite`}), `${kind} replaced the result`)
      const index = kind === 'exec' ? 3 : 4
      await assert.rejects(
        call()(tool, {text: `${kind} after-refuse`}),
        new RegExp(
          `interceptor ${index} \\(after:${kind} [^)]+\\) refused the result of tool ${tool}: ${kind} withholds it`,
        ),
      )
    })
  }

  test(`${label}: a call no interceptor minds passes unchanged`, async () => {
    assert.equal(await call()(tool, {text: 'plain'}), 'plain')
  })

  if (bump)
    test(`${label}: refused and answered calls never reach the server`, async () => {
      await assert.rejects(call()(bump, {mode: 'exec refuse'}), /exec says no/)
      await assert.rejects(call()(bump, {mode: 'http refuse'}), /http says no/)
      assert.equal(await call()(bump, {mode: 'exec answer'}), 'exec answered')
      assert.equal(await call()(bump, {mode: 'http answer'}), 'http answered')
      // The server's counter: the first call that reached it.
      assert.equal(await call()(bump, {}), '1')
    })
}

describe('stdio gateway with exec and http interceptors', () => {
  let gw: ConnectedGateway
  const call: Call = async (name, args) => textOf(await gw.client.callTool({name, arguments: args}))
  before(async () => {
    const catalog = await writeTestCatalog(sandbox)
    gw = await connectGateway(
      sandbox,
      ['--catalog', catalog, '--servers', 'fixture,sticky', '--no-cache', ...interceptorArgs()],
      {viaDocker: false},
    )
    // The long-lived container starts on its first call (the SDK path); the next calls take the raw path.
    assert.equal(await call('sticky__echo', {text: 'start it'}), 'start it')
  })
  after(async () => {
    await gw.close()
  })

  cases('raw path (running long-lived server)', () => call, 'sticky__echo', 'sticky__bump')
  cases('SDK path (per-call server)', () => call, 'echo')

  test('the http interceptor got the original payloads', () => {
    assert.ok(
      hookSaw.includes(
        `/before {"method":"tools/call","params":{"name":"sticky__echo","arguments":{"text":"plain"}}}`,
      ),
    )
    assert.ok(hookSaw.includes(`/after {"content":[{"type":"text","text":"plain"}]}`))
  })

  test('the log names each refusal and failure without the arguments', () => {
    assert.match(
      gw.stderr(),
      /Calling tool sticky__echo failed after \d+ms: interceptor 1 \(before:exec node\) refused the call of tool sticky__echo: exec says no/,
    )
    assert.doesNotMatch(gw.stderr(), /exec refuse|http rewrite|after-refuse|"text"/)
  })
})

describe('Streamable HTTP gateway with exec and http interceptors (SDK path)', () => {
  let gw: HttpGatewayProcess
  let client: Client
  const call: Call = async (name, args) => textOf(await client.callTool({name, arguments: args}))
  before(async () => {
    const catalog = await writeTestCatalog(sandbox)
    gw = await startHttpGateway(
      [
        '--catalog',
        catalog,
        '--servers',
        'sticky',
        '--no-cache',
        '--allow-unauthenticated',
        ...interceptorArgs(),
      ],
      {sandbox},
    )
    client = new Client({name: 'interceptor-test', version: '1.0.0'})
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.base}/mcp`)))
  })
  after(async () => {
    await client.close().catch(() => {})
    await gw.stop()
  })

  cases('streaming', () => call, 'sticky__echo', 'sticky__bump')
})

describe('docker interceptors', () => {
  const interceptorContainers = async () =>
    (
      await run('docker', [
        'ps',
        '-aq',
        '--filter',
        'label=docker-mcp-tool-type=interceptor',
        '--filter',
        `ancestor=${INTERCEPTOR_IMAGE}`,
      ])
    ).stdout.trim()

  before(async () => {
    // A small local image: the test fixture's (it has node) with the script as its entrypoint. No pull.
    const context = path.join(sandbox.home, 'interceptor-image')
    await mkdir(context, {recursive: true})
    await writeFile(path.join(context, 'interceptor.mjs'), SCRIPT)
    await writeFile(
      path.join(context, 'Dockerfile'),
      `FROM ${IMAGES.fixture}\nCOPY interceptor.mjs /interceptor.mjs\nENTRYPOINT ["/usr/bin/node", "/interceptor.mjs"]\n`,
    )
    const built = await run('docker', ['build', '-q', '--pull=false', '-t', INTERCEPTOR_IMAGE, context])
    assert.equal(built.code, 0, built.stderr)
  })
  after(async () => {
    await run('docker', ['rmi', '-f', INTERCEPTOR_IMAGE])
  })

  test('before and after on both paths: rewrite, refuse, replace; no container left', async () => {
    const catalog = await writeTestCatalog(sandbox)
    const gw = await connectGateway(
      sandbox,
      [
        '--catalog',
        catalog,
        '--servers',
        'fixture,sticky',
        '--no-cache',
        '--interceptor',
        `before:docker:${INTERCEPTOR_IMAGE} docker`,
        '--interceptor',
        `after:docker:${INTERCEPTOR_IMAGE} docker`,
        // A container per interceptor run: seconds each on a busy shared engine.
        '--interceptor-timeout',
        '60',
      ],
      {viaDocker: false},
    )
    const call: Call = async (name, args) => textOf(await gw.client.callTool({name, arguments: args}))
    try {
      assert.equal(await call('sticky__echo', {text: 'start it'}), 'start it')
      for (const tool of ['sticky__echo', 'echo']) {
        assert.equal(await call(tool, {text: 'docker rewrite'}), 'docker rewrote this')
        await assert.rejects(
          call(tool, {text: 'docker refuse'}),
          new RegExp(
            `interceptor 1 \\(before:docker ${INTERCEPTOR_IMAGE}\\) refused the call of tool ${tool}: docker says no`,
          ),
        )
        assert.equal(await call(tool, {text: 'docker after-rewrite'}), 'docker replaced the result')
      }
    } finally {
      await gw.close()
    }
    assert.equal(await eventually(interceptorContainers, (ids) => ids === '', 15_000), '')
  })

  test('the runner against the engine: least-privileged, a missing image and a timeout fail clearly', async () => {
    const runtime = new ContainerRuntime(createDocker(sandbox.env, mcpPaths(sandbox.env)))
    const runner = (arg: string, timeoutMs = 30_000) =>
      createRunner(parseInterceptor(`before:docker:${arg}`, 1), {
        timeoutMs,
        logger: silentLogger,
        startContainer: (spec) => runtime.startTask(spec),
        gatewayLabels: {},
      })
    // What the container may do: no capability, no privilege gain, no network but loopback, no writable root.
    const probe = await runner(`${INTERCEPTOR_IMAGE} probe`).run('{}')
    assert.equal(probe.kind, 'output')
    const seen = JSON.parse(textOf(JSON.parse(probe.text))) as Record<string, unknown>
    assert.deepEqual(seen, {
      capEff: '0000000000000000',
      noNewPrivs: '1',
      interfaces: ['lo'],
      rootWritable: false,
      tmpWritable: true,
    })
    await assert.rejects(
      runner('docker-mcp-no-such-interceptor:never').run('{}'),
      /cannot run: image docker-mcp-no-such-interceptor:never is not in the Docker engine \(interceptor images are never pulled/,
    )
    // A container that never answers times out (its start counts: the engine may be slow), and is removed.
    await assert.rejects(
      runner(`${INTERCEPTOR_IMAGE} sleep`, 15_000).run('{}'),
      /did not (start|answer) within 15s/,
    )
    assert.equal(await eventually(interceptorContainers, (ids) => ids === '', 15_000), '')
  })
})
