// Issue #15: `docker mcp doctor` says what network each enabled server gets, and warns where that differs
// from what it declares: strict mode and a server that declares nothing (it may need the internet), or
// allowHosts on an unfiltered network. Before, doctor said nothing about networks.
import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
const doctor = async () => {
  const r = await runCli(sandbox, ['doctor', '--json'])
  return JSON.parse(r.stdout) as Array<{area: string; status: string; message: string; fix?: string}>
}

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  const file = path.join(sandbox.home, 'nets.yaml')
  await writeFile(
    file,
    [
      'version: 2',
      'name: nets',
      'registry:',
      '  silent:',
      '    image: example/silent:1',
      '  hosts:',
      '    image: example/hosts:1',
      '    allowHosts: ["api.example.com:443"]',
      '  off:',
      '    image: example/off:1',
      '    disableNetwork: true',
      '',
    ].join('\n'),
  )
  const imported = await runCli(sandbox, ['catalog', 'import', file])
  assert.equal(imported.code, 0, imported.stderr)
  await mkdir(path.join(sandbox.dockerConfig, 'mcp'), {recursive: true})
  await writeFile(
    path.join(sandbox.dockerConfig, 'mcp', 'registry.yaml'),
    'registry:\n  silent:\n    ref: ""\n  hosts:\n    ref: ""\n  off:\n    ref: ""\n',
  )
})
after(() => sandbox.cleanup())

test('default: the silent server gets a network (said, not warned); allowHosts unfiltered is warned', async () => {
  const checks = await doctor()
  const about = (name: string) => checks.filter((c) => c.message.includes(`"${name}" declares`))
  assert.deepEqual(
    about('silent').map((c) => c.status),
    ['ok'],
  )
  assert.match(about('silent')[0]!.message, /declares no network and gets one/)
  assert.deepEqual(
    about('hosts').map((c) => c.status),
    ['warn'],
  )
  assert.match(about('hosts')[0]!.fix!, /--block-network/)
  assert.deepEqual(about('off'), [])
  assert.ok(checks.some((c) => /network: servers that declare none get a network/.test(c.message)))
})

test('strict-network feature: the silent server is warned, with both ways out', async () => {
  await writeFile(
    path.join(sandbox.dockerConfig, 'config.json'),
    JSON.stringify({features: {'strict-network': 'enabled'}}),
  )
  const checks = await doctor()
  const silent = checks.filter((c) => c.message.includes('"silent" declares'))
  assert.deepEqual(
    silent.map((c) => c.status),
    ['warn'],
  )
  assert.match(silent[0]!.fix!, /disableNetwork: false.*--network-default bridge/)
  assert.ok(checks.some((c) => /network: servers that declare none get none/.test(c.message)))
})
