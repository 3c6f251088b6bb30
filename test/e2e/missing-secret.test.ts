import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {connectGateway} from '../helpers/gateway.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #14: a server that fails because a declared secret is not set. An MCP client calling it through
 * the gateway used to get only the start-up failure; the error now names the secret and the command that
 * sets it (the CLI and doctor already did, from the gateway's log).
 */
let sandbox: Sandbox

before(async () => {
  sandbox = await makeSandbox()
})
after(async () => {
  await sandbox.cleanup()
})

test('a call to a server whose declared secret is not set names the secret and `docker mcp secret set`', async () => {
  const catalog = path.join(sandbox.home, 'needs-token.yaml')
  await writeFile(
    catalog,
    [
      'name: needs-token',
      'registry:',
      '  needs-token:',
      // A registry on a closed port: the image cannot be had, so the server cannot start.
      '    image: 127.0.0.1:1/docker-mcp-test/nosuch:1',
      '    secrets:',
      '      - {name: needs-token.api_key, env: API_KEY}',
      '    tools:',
      '      - name: ping',
      '',
    ].join('\n'),
  )
  const gw = await connectGateway(sandbox, ['--catalog', catalog, '--servers', 'needs-token', '--no-cache'], {
    viaDocker: false,
  })
  try {
    const said = await gw.client.callTool({name: 'ping', arguments: {}}).then(
      (result) => JSON.stringify(result),
      (err: Error) => err.message,
    )
    assert.match(said, /needs-token/)
    assert.match(
      said,
      /its secret needs-token\.api_key is not set: run "docker mcp secret set needs-token\.api_key=<value>"/,
    )
  } finally {
    await gw.close()
  }
})
