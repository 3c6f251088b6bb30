// Issue #20: the bearer token from a Docker secret or a Kubernetes Secret volume (MCP_GATEWAY_AUTH_TOKEN_FILE),
// so that deploy/ never puts it in an environment variable that `docker inspect` shows.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {authTokenFromEnv} from '../../../src/gateway/auth-token-file.js'

test('token file: the first line, trimmed; the variable when no file is named', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'token-file-'))
  try {
    const file = path.join(dir, 'token')
    await writeFile(file, '  s3cret-token \nsecond line\n')
    assert.equal(await authTokenFromEnv({MCP_GATEWAY_AUTH_TOKEN_FILE: file}), 's3cret-token')
    // An empty variable beside the file (compose's `environment: [MCP_GATEWAY_AUTH_TOKEN]` when unset) is fine.
    assert.equal(
      await authTokenFromEnv({MCP_GATEWAY_AUTH_TOKEN_FILE: file, MCP_GATEWAY_AUTH_TOKEN: ''}),
      's3cret-token',
    )
    assert.equal(await authTokenFromEnv({MCP_GATEWAY_AUTH_TOKEN: 'from-env'}), 'from-env')
    assert.equal(await authTokenFromEnv({}), undefined)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
})

test('token file: both set, unreadable or empty is a usage error that never shows a token', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'token-file-'))
  try {
    const file = path.join(dir, 'token')
    await writeFile(file, 'file-token\n')
    await assert.rejects(
      authTokenFromEnv({MCP_GATEWAY_AUTH_TOKEN_FILE: file, MCP_GATEWAY_AUTH_TOKEN: 'env-token'}),
      (err: Error) => /set only one/.test(err.message) && !/file-token|env-token/.test(err.message),
    )
    await assert.rejects(
      authTokenFromEnv({MCP_GATEWAY_AUTH_TOKEN_FILE: path.join(dir, 'missing')}),
      /cannot read MCP_GATEWAY_AUTH_TOKEN_FILE ".*missing": ENOENT/,
    )
    await writeFile(file, '\n\n')
    await assert.rejects(authTokenFromEnv({MCP_GATEWAY_AUTH_TOKEN_FILE: file}), /is empty/)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
})
