import assert from 'node:assert/strict'
import {test} from 'node:test'

import {secretNames} from '../../../src/secrets/format.js'

test('secret ls --quiet lists a name held by the keychain and the file once, sorted', () => {
  const keychain = {store: 'keychain', location: 'OS keychain (service docker-mcp)'}
  const file = {store: 'file', location: '/home/u/.docker/mcp/secrets/secrets.json'}
  assert.deepEqual(
    secretNames([
      {name: 'b.token', ...file},
      {name: 'a.token', ...keychain},
      {name: 'b.token', ...keychain},
      {name: 'B.upper', ...file},
    ]),
    // Code-unit order, as the table sorts: upper case first.
    ['B.upper', 'a.token', 'b.token'],
  )
  assert.deepEqual(secretNames([]), [])
})
