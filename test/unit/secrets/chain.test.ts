import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {createContext} from '../../../src/context.js'
import {parseSecretsFlag, splitSecretsList} from '../../../src/secrets/chain.js'
import {openSecretStores, resolveServerSecrets, setSecret} from '../../../src/secrets/sources.js'

test("--secrets lists split at colons as Docker's, Windows drive letters kept whole", () => {
  const cases: Array<[string, string[]]> = [
    ['docker-desktop', ['docker-desktop']],
    ['docker-desktop:/run/secrets/mcp_secret:/.env', ['docker-desktop', '/run/secrets/mcp_secret', '/.env']],
    ['C:\\Users\\me\\.env', ['C:\\Users\\me\\.env']],
    ['C:/Users/me/.env:docker-desktop:D:\\x.env', ['C:/Users/me/.env', 'docker-desktop', 'D:\\x.env']],
    ['./a.env::b.env', ['./a.env', 'b.env']],
    // A one-letter relative file followed by a relative one is not a drive letter.
    ['a:b.env', ['a', 'b.env']],
  ]
  for (const [value, expected] of cases) assert.deepEqual(splitSecretsList(value), expected, value)
  assert.deepEqual(parseSecretsFlag(['a.env:docker-desktop', '/b.env'], '/home/me'), [
    {kind: 'env-file', path: path.resolve('/home/me', 'a.env')},
    {kind: 'store'},
    {kind: 'env-file', path: '/b.env'},
  ])
})

let dir: string
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-chain-'))
})
after(() => rm(dir, {recursive: true, force: true}))

test('each --secrets element is a fallback per secret, not first-wins; the store stands where docker-desktop does', async () => {
  const env = {HOME: dir, DOCKER_CONFIG: path.join(dir, '.docker'), DOCKER_MCP_SECRET_STORE: 'file'}
  const ctx = createContext({env, root: process.cwd(), cwd: dir})
  await setSecret(await openSecretStores(ctx), 'stored.only', 'from-store')
  await setSecret(await openSecretStores(ctx), 'both', 'store-value')
  await writeFile(path.join(dir, 'first.env'), 'first.only=one\n')
  await writeFile(path.join(dir, 'second.env'), 'second.only=two\nfirst.only=shadowed\nboth=file-value\n')
  const declared = ['first.only', 'second.only', 'stored.only', 'both'].map((name) => ({
    name,
    env: name.toUpperCase().replace('.', '_'),
  }))

  // Docker's plugin used first.env alone: second.only and stored.only were <UNKNOWN>.
  const files = await openSecretStores(ctx, {chain: parseSecretsFlag(['first.env:second.env'], dir)})
  assert.deepEqual(await resolveServerSecrets(declared, files), {
    env: {FIRST_ONLY: 'one', SECOND_ONLY: 'two', STORED_ONLY: 'from-store', BOTH: 'file-value'},
    missing: [],
  })
  // docker-desktop first: the store wins where it has the secret.
  const storeFirst = await openSecretStores(ctx, {
    chain: parseSecretsFlag(['docker-desktop:second.env'], dir),
  })
  assert.equal((await resolveServerSecrets(declared, storeFirst)).env.BOTH, 'store-value')

  // A missing file among others is skipped with a warning; alone it is an error.
  const warnings: string[] = []
  await openSecretStores(ctx, {
    chain: parseSecretsFlag(['docker-desktop:/run/secrets/mcp_secret'], dir),
    onWarning: (m) => warnings.push(m),
  })
  assert.deepEqual(warnings, ['secrets file /run/secrets/mcp_secret does not exist: skipped'])
  await assert.rejects(
    openSecretStores(ctx, {chain: parseSecretsFlag(['nope.env'], dir)}),
    /secrets file .*nope\.env does not exist/,
  )
})
