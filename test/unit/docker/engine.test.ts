import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import https from 'node:https'
import net, {type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {
  contextStorePaths,
  createDocker,
  engineTarget,
  pingDocker,
  readContextStore,
  resolveEngine,
  type ContextInfo,
  type EngineTarget,
} from '../../../src/docker/engine.js'
import {DockerMcpError} from '../../../src/errors.js'
import {mcpPaths} from '../../../src/paths.js'

const CONFIG_DIR = '/home/u/.docker'
const CONTEXTS = `${CONFIG_DIR}/contexts`

/** An in-memory context store: name → {host, skipVerify?, tls files present}. */
function store(
  contexts: Record<string, {host?: string; skip?: boolean; tls?: Array<'ca' | 'cert' | 'key'>}>,
) {
  const asked: string[] = []
  const lookup = (name: string): ContextInfo | undefined => {
    asked.push(name)
    const c = contexts[name]
    if (!c) return undefined
    const {tlsDir} = contextStorePaths(CONTEXTS, name)
    const tlsFiles: ContextInfo['tlsFiles'] = {}
    for (const f of c.tls ?? []) tlsFiles[f] = `${tlsDir}/${f}.pem`
    const docker = c.host === undefined ? {} : {Host: c.host, SkipTLSVerify: c.skip ?? false}
    return {meta: {Name: name, Metadata: {}, Endpoints: {docker}}, tlsFiles}
  }
  return Object.assign(lookup, {asked})
}

const contexts = store({
  prod: {host: 'tcp://prod.example:2376', tls: ['ca', 'cert', 'key']},
  staging: {host: 'tcp://staging.example:2376', skip: true},
  plain: {host: 'tcp://10.0.0.5:2375'},
  sock: {host: 'unix:///run/user/1000/docker.sock'},
  remote: {host: 'ssh://deploy@build.example'},
  broken: {},
})

function resolve(
  env: NodeJS.ProcessEnv,
  config?: unknown,
  platform: NodeJS.Platform = 'linux',
): EngineTarget {
  return resolveEngine(env, config, contexts, {dockerConfigDir: CONFIG_DIR, platform})
}

const tlsFile = (p: string, explicit = false) => ({path: p, explicit})
const prodTls = contextStorePaths(CONTEXTS, 'prod').tlsDir

describe('resolveEngine', () => {
  const cases: Array<{
    name: string
    env?: NodeJS.ProcessEnv
    config?: unknown
    platform?: NodeJS.Platform
    want: Partial<EngineTarget>
  }> = [
    {
      name: 'nothing set: the default socket',
      want: {source: 'default', context: 'default', host: 'unix:///var/run/docker.sock', tls: undefined},
    },
    {
      name: 'nothing set on Windows: the named pipe',
      platform: 'win32',
      want: {endpoint: {kind: 'npipe', socketPath: '//./pipe/docker_engine'}},
    },
    {
      name: 'DOCKER_HOST unix socket',
      env: {DOCKER_HOST: 'unix:///tmp/d.sock'},
      want: {source: 'DOCKER_HOST', endpoint: {kind: 'unix', socketPath: '/tmp/d.sock'}},
    },
    {
      name: 'DOCKER_HOST unix:// without a path is the default socket',
      env: {DOCKER_HOST: 'unix://'},
      want: {host: 'unix:///var/run/docker.sock'},
    },
    {
      name: 'DOCKER_HOST npipe',
      env: {DOCKER_HOST: 'npipe:////./pipe/docker_engine_linux'},
      want: {endpoint: {kind: 'npipe', socketPath: '//./pipe/docker_engine_linux'}},
    },
    {
      name: 'DOCKER_HOST tcp without TLS is plain HTTP',
      env: {DOCKER_HOST: 'tcp://1.2.3.4:2375'},
      want: {
        endpoint: {kind: 'tcp', host: '1.2.3.4', port: 2375},
        tls: undefined,
        host: 'tcp://1.2.3.4:2375',
      },
    },
    {
      name: 'a bare host:port is tcp; a missing port is 2375 (as docker, even for 2376 habits)',
      env: {DOCKER_HOST: 'engine.local'},
      want: {endpoint: {kind: 'tcp', host: 'engine.local', port: 2375}},
    },
    {
      name: 'IPv6 tcp host',
      env: {DOCKER_HOST: 'tcp://[::1]:2375'},
      want: {endpoint: {kind: 'tcp', host: '::1', port: 2375}, host: 'tcp://[::1]:2375'},
    },
    {
      name: 'DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: verified TLS with the three files from the cert path',
      env: {DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs'},
      want: {
        tls: {
          verify: true,
          ca: tlsFile('/certs/ca.pem'),
          cert: tlsFile('/certs/cert.pem'),
          key: tlsFile('/certs/key.pem'),
        },
      },
    },
    {
      name: 'DOCKER_TLS_VERIFY=0 still verifies: docker/cli only checks that it is non-empty',
      env: {DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '0'},
      want: {
        tls: {
          verify: true,
          ca: tlsFile(`${CONFIG_DIR}/ca.pem`),
          cert: tlsFile(`${CONFIG_DIR}/cert.pem`),
          key: tlsFile(`${CONFIG_DIR}/key.pem`),
        },
      },
    },
    {
      name: '--tlscacert/--tlscert/--tlskey (DOCKER_MCP_TLS*) override the cert path and are explicit',
      env: {
        DOCKER_HOST: 'tcp://h:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: '/certs',
        DOCKER_MCP_TLSCACERT: '/my/ca.pem',
        DOCKER_MCP_TLSKEY: '/my/key.pem',
      },
      want: {
        tls: {
          verify: true,
          ca: tlsFile('/my/ca.pem', true),
          cert: tlsFile('/certs/cert.pem'),
          key: tlsFile('/my/key.pem', true),
        },
      },
    },
    {
      name: '--tls (DOCKER_MCP_TLS) without --tlsverify: TLS without verification',
      env: {DOCKER_HOST: 'tcp://h:2376', DOCKER_MCP_TLS: '1'},
      want: {
        tls: {
          verify: false,
          ca: tlsFile(`${CONFIG_DIR}/ca.pem`),
          cert: tlsFile(`${CONFIG_DIR}/cert.pem`),
          key: tlsFile(`${CONFIG_DIR}/key.pem`),
        },
      },
    },
    {
      name: 'TLS with no DOCKER_HOST defaults to tcp://localhost:2376',
      env: {DOCKER_TLS_VERIFY: '1'},
      want: {source: 'default', endpoint: {kind: 'tcp', host: 'localhost', port: 2376}},
    },
    {
      name: 'TLS flags are ignored for a unix socket',
      env: {DOCKER_HOST: 'unix:///x.sock', DOCKER_TLS_VERIFY: '1'},
      want: {tls: undefined},
    },
    {
      name: 'ssh:// keeps user and port, and takes the agent from SSH_AUTH_SOCK',
      env: {DOCKER_HOST: 'ssh://me@box:2222', SSH_AUTH_SOCK: '/tmp/agent'},
      want: {endpoint: {kind: 'ssh', host: 'box', port: 2222, username: 'me'}, sshAgent: '/tmp/agent'},
    },
    {
      name: 'currentContext from config.json',
      config: {currentContext: 'prod'},
      want: {
        source: 'context',
        context: 'prod',
        host: 'tcp://prod.example:2376',
        tls: {
          verify: true,
          ca: tlsFile(`${prodTls}/ca.pem`),
          cert: tlsFile(`${prodTls}/cert.pem`),
          key: tlsFile(`${prodTls}/key.pem`),
        },
      },
    },
    {
      name: 'DOCKER_CONTEXT (or --context) beats currentContext',
      env: {DOCKER_CONTEXT: 'plain'},
      config: {currentContext: 'prod'},
      want: {context: 'plain', endpoint: {kind: 'tcp', host: '10.0.0.5', port: 2375}, tls: undefined},
    },
    {
      name: 'DOCKER_HOST beats DOCKER_CONTEXT and currentContext (docker/cli resolveContextName)',
      env: {DOCKER_HOST: 'unix:///h.sock', DOCKER_CONTEXT: 'prod'},
      config: {currentContext: 'prod'},
      want: {source: 'DOCKER_HOST', context: 'default', host: 'unix:///h.sock'},
    },
    {
      name: 'DOCKER_CONTEXT=default is the default engine even when config.json names another',
      env: {DOCKER_CONTEXT: 'default'},
      config: {currentContext: 'prod'},
      want: {source: 'default', host: 'unix:///var/run/docker.sock'},
    },
    {
      name: 'a context with SkipTLSVerify and no TLS files still uses TLS, unverified',
      env: {DOCKER_CONTEXT: 'staging'},
      want: {tls: {verify: false}},
    },
    {
      name: 'a context on a unix socket',
      config: {currentContext: 'sock'},
      want: {endpoint: {kind: 'unix', socketPath: '/run/user/1000/docker.sock'}},
    },
    {
      name: 'a context on ssh',
      config: {currentContext: 'remote'},
      want: {endpoint: {kind: 'ssh', host: 'build.example', port: 22, username: 'deploy'}},
    },
    {
      name: 'TLS environment does not leak into a named context',
      env: {DOCKER_CONTEXT: 'plain', DOCKER_TLS_VERIFY: '1', DOCKER_MCP_TLSCACERT: '/x.pem'},
      want: {tls: undefined},
    },
    {
      name: 'a config.json without currentContext (or not an object) is the default',
      config: ['not', 'an', 'object'],
      want: {source: 'default'},
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = resolve(c.env ?? {}, c.config, c.platform)
      for (const [key, value] of Object.entries(c.want)) {
        assert.deepEqual(got[key as keyof EngineTarget], value, `${key} of ${JSON.stringify(got)}`)
      }
    })
  }

  test('asks the context store for the context by name, and not at all for the default', () => {
    contexts.asked.length = 0
    resolve({}, {currentContext: 'prod'})
    resolve({DOCKER_CONTEXT: 'default'})
    resolve({DOCKER_HOST: 'tcp://h'}, {currentContext: 'prod'})
    assert.deepEqual(contexts.asked, ['prod'])
  })

  const errors: Array<{name: string; env?: NodeJS.ProcessEnv; config?: unknown; message: RegExp}> = [
    {
      name: 'unknown context from config.json names the context and the source',
      config: {currentContext: 'gone'},
      message: /Docker context "gone" \(from currentContext in config\.json\) does not exist/,
    },
    {
      name: 'unknown context from DOCKER_CONTEXT',
      env: {DOCKER_CONTEXT: 'nope'},
      message: /Docker context "nope" \(from DOCKER_CONTEXT/,
    },
    {
      name: 'a context without a docker endpoint',
      env: {DOCKER_CONTEXT: 'broken'},
      message: /context "broken" has no Docker endpoint/,
    },
    {
      name: 'http:// is not an engine address',
      env: {DOCKER_HOST: 'http://h:2375'},
      message: /unsupported scheme "http:\/\/"/,
    },
    {name: 'fd:// is daemon-only', env: {DOCKER_HOST: 'fd://'}, message: /fd:\/\/ is for the daemon/},
    {
      name: 'garbage tcp address',
      env: {DOCKER_HOST: 'tcp://bad host:x'},
      message: /Invalid Docker engine address/,
    },
  ]
  for (const c of errors) {
    test(`error: ${c.name}`, () => {
      assert.throws(
        () => resolve(c.env ?? {}, c.config),
        (err: unknown) =>
          err instanceof DockerMcpError && c.message.test(err.message) && err.suggestions.length > 0,
      )
    })
  }
})

test('contextStorePaths: directories are named by the sha256 of the context name, as docker stores them', () => {
  // `printf prod | sha256sum`: no trailing newline, lowercase hex.
  const id = '6754af9632a2745e85c293e5aac0863370d9bd3330b9938c00cadfd215227d77'
  assert.deepEqual(contextStorePaths('/c', 'prod'), {
    metaFile: `/c/meta/${id}/meta.json`,
    tlsDir: `/c/tls/${id}/docker`,
  })
})

/** Write a docker context the way `docker context create` does. */
async function writeContext(
  contextsDir: string,
  name: string,
  host: string,
  tls: Record<string, string> = {},
): Promise<void> {
  const {metaFile, tlsDir} = contextStorePaths(contextsDir, name)
  await mkdir(path.dirname(metaFile), {recursive: true})
  const meta = {
    Name: name,
    Metadata: {Description: ''},
    Endpoints: {docker: {Host: host, SkipTLSVerify: false}},
  }
  await writeFile(metaFile, JSON.stringify(meta))
  if (Object.keys(tls).length > 0) {
    await mkdir(tlsDir, {recursive: true})
    for (const [file, content] of Object.entries(tls)) await writeFile(path.join(tlsDir, file), content)
  }
}

describe('context store and engine on disk', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-engine-'))
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  test('readContextStore reads meta.json and reports only the TLS files present', async () => {
    const contextsDir = path.join(dir, 'store')
    await writeContext(contextsDir, 'tls-ctx', 'tcp://example:2376', {'ca.pem': 'x', 'key.pem': 'y'})
    const lookup = readContextStore(contextsDir)
    const info = lookup('tls-ctx')
    const {tlsDir} = contextStorePaths(contextsDir, 'tls-ctx')
    assert.deepEqual(info?.tlsFiles, {ca: path.join(tlsDir, 'ca.pem'), key: path.join(tlsDir, 'key.pem')})
    assert.equal(lookup('missing'), undefined)
  })

  test('createDocker + pingDocker reach the real engine through a context named in config.json', async () => {
    const dockerConfig = path.join(dir, 'cfg-ok')
    const paths = mcpPaths({DOCKER_CONFIG: dockerConfig})
    const real = engineTarget(createDocker(process.env, mcpPaths(process.env)))!
    await writeContext(paths.dockerContextsDir, 'here', real.host)
    await writeFile(paths.dockerConfigFile, JSON.stringify({currentContext: 'here'}))
    const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CONFIG: dockerConfig}
    delete env.DOCKER_HOST
    delete env.DOCKER_CONTEXT
    const docker = createDocker(env, paths)
    assert.equal(engineTarget(docker)?.context, 'here')
    await pingDocker(docker)
  })

  test('a bad DOCKER_HOST in process.env does not leak into a client built for another engine (docker-modem reads process.env)', async () => {
    const paths = mcpPaths({DOCKER_CONFIG: path.join(dir, 'cfg-ok')})
    const saved = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1'
    try {
      const docker = createDocker({DOCKER_CONFIG: paths.dockerConfigDir}, paths)
      await pingDocker(docker)
      assert.equal(process.env.DOCKER_HOST, 'tcp://127.0.0.1:1', 'process.env is restored')
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST
      else process.env.DOCKER_HOST = saved
    }
  })

  test('pingDocker says which engine did not answer and asks whether dockerd runs', async () => {
    const paths = mcpPaths({DOCKER_CONFIG: path.join(dir, 'cfg-none')})
    const sock = path.join(dir, 'nothing-here.sock')
    const docker = createDocker({DOCKER_HOST: `unix://${sock}`}, paths)
    await assert.rejects(
      pingDocker(docker),
      (err: unknown) =>
        err instanceof DockerMcpError &&
        err.message.startsWith(
          `Cannot connect to the Docker engine at unix://${sock}. Is dockerd running?`,
        ) &&
        err.suggestions.some((s) => s.includes('DOCKER_HOST')),
    )
  })

  test('pingDocker gives up after its timeout on an engine that never answers', async () => {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => sockets.add(socket)) // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    try {
      const docker = createDocker({DOCKER_HOST: `tcp://127.0.0.1:${port}`}, mcpPaths({DOCKER_CONFIG: dir}))
      const started = Date.now()
      await assert.rejects(pingDocker(docker, {timeoutMs: 300}), /no answer within 300ms/)
      assert.ok(Date.now() - started < 5000)
    } finally {
      for (const socket of sockets) socket.destroy()
      server.close()
    }
  })

  test('an explicit --tlscacert that does not exist is an error; a missing default is skipped', () => {
    const paths = mcpPaths({DOCKER_CONFIG: path.join(dir, 'no-certs')})
    assert.throws(
      () =>
        createDocker(
          {
            DOCKER_HOST: 'tcp://127.0.0.1:2376',
            DOCKER_TLS_VERIFY: '1',
            DOCKER_MCP_TLSCACERT: '/nonexistent/ca.pem',
          },
          paths,
        ),
      /Cannot read the TLS CA certificate \/nonexistent\/ca\.pem/,
    )
    createDocker({DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1'}, paths)
  })
})

describe('TLS against a real TLS endpoint requiring client certificates', () => {
  let dir: string
  let server: https.Server
  let port: number
  let haveOpenssl = true

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-tls-'))
    try {
      makeCertificates(dir)
    } catch {
      haveOpenssl = false
      return
    }
    const read = (f: string) => readFile(path.join(dir, f))
    server = https.createServer(
      {
        key: await read('server-key.pem'),
        cert: await read('server-cert.pem'),
        ca: await read('ca.pem'),
        requestCert: true,
      },
      (req, res) => {
        res.writeHead(200, {'content-type': 'text/plain', 'api-version': '1.41'})
        res.end(req.url?.endsWith('/_ping') ? 'OK' : '{}')
      },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  after(async () => {
    server?.closeAllConnections()
    server?.close()
    await rm(dir, {recursive: true, force: true})
  })

  const certPath = () => path.join(dir, 'client')

  test('DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: verified, with the client certificate', async (t) => {
    if (!haveOpenssl) return t.skip('openssl not installed')
    const env = {DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath()}
    await pingDocker(createDocker(env, mcpPaths({DOCKER_CONFIG: dir})))
  })

  test('verification fails against a CA that did not sign the engine certificate', async (t) => {
    if (!haveOpenssl) return t.skip('openssl not installed')
    const env = {
      DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certPath(),
      DOCKER_MCP_TLSCACERT: path.join(dir, 'other-ca.pem'),
    }
    await assert.rejects(pingDocker(createDocker(env, mcpPaths({DOCKER_CONFIG: dir}))), /Cannot connect/)
  })

  test('--tls without --tlsverify trusts the engine but still presents the client certificate', async (t) => {
    if (!haveOpenssl) return t.skip('openssl not installed')
    const env = {
      DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      DOCKER_MCP_TLS: '1',
      DOCKER_CERT_PATH: certPath(),
      DOCKER_MCP_TLSCACERT: path.join(dir, 'other-ca.pem'),
    }
    await pingDocker(createDocker(env, mcpPaths({DOCKER_CONFIG: dir})))
  })

  test('a context with TLS material in the context store', async (t) => {
    if (!haveOpenssl) return t.skip('openssl not installed')
    const dockerConfig = path.join(dir, 'cfg')
    const paths = mcpPaths({DOCKER_CONFIG: dockerConfig})
    const files = Object.fromEntries(
      await Promise.all(
        ['ca.pem', 'cert.pem', 'key.pem'].map(async (f) => [
          f,
          await readFile(path.join(certPath(), f), 'utf8'),
        ]),
      ),
    )
    await writeContext(paths.dockerContextsDir, 'secure', `tcp://127.0.0.1:${port}`, files)
    const docker = createDocker({DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: 'secure'}, paths)
    assert.equal(engineTarget(docker)?.tls?.verify, true)
    await pingDocker(docker)
  })
})

/** A CA, a server certificate for 127.0.0.1 and a client certificate (in dir/client as docker names them). */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ssl('req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca')
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'other-ca-key.pem',
    '-out',
    'other-ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=other',
  )
  mkdirSync(path.join(dir, 'client'))
  const sign = (name: string, subject: string, ext: string, out: string, key: string) => {
    writeFileSync(path.join(dir, `${name}.ext`), ext)
    ssl('req', ...ec, '-keyout', key, '-out', `${name}.csr`, '-subj', subject)
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      out,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    )
  }
  sign(
    'server',
    '/CN=localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    'server-cert.pem',
    'server-key.pem',
  )
  sign('client', '/CN=client', 'extendedKeyUsage=clientAuth\n', 'client/cert.pem', 'client/key.pem')
  writeFileSync(path.join(dir, 'client', 'ca.pem'), readFileSync(path.join(dir, 'ca.pem')))
}
