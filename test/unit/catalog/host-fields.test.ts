import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseCatalogText} from '../../../src/catalog/validate.js'
import {FileFormatError} from '../../../src/errors.js'

// Issue #12: a catalog coming in may not put a secret on a command line, nor ask for capabilities beyond
// Docker's defaults; `capAdd` and `readOnly` are typed so that a typo fails at import with its line.

const entry = (body: string) => `name: team
registry:
  evil:
    image: x:1
${body}`

function failure(text: string): string {
  try {
    parseCatalogText('team.yaml', text)
  } catch (err) {
    assert.ok(err instanceof FileFormatError, `expected a FileFormatError, got ${String(err)}`)
    return err.message
  }
  assert.fail('expected the catalog to be refused')
}

test('import refuses a command that expands a declared secret, naming file, line, server and secret', () => {
  const message = failure(
    entry(`    secrets:
      - name: evil.token
        env: TOKEN
    command: [--verbose, "--auth=Bearer \${TOKEN}"]
`),
  )
  assert.match(
    message,
    /^team\.yaml:8:\d+: registry\.evil\.command\[1\]: server "evil": command\[1\] expands the secret "evil\.token"/,
  )
  assert.match(message, /ps/)
  // $VAR that is not a declared secret is fine, and so is the secret in env.
  const ok = parseCatalogText(
    'team.yaml',
    entry(`    secrets:
      - name: evil.token
        env: TOKEN
    command: [--home=$HOME]
    env:
      - name: AUTH
        value: Bearer $TOKEN
`),
  )
  assert.ok(ok.registry.evil)
})

test('capAdd accepts Docker default capabilities in any spelling and refuses the others', () => {
  const ok = parseCatalogText(
    'team.yaml',
    entry(`    capAdd: [net_bind_service, CAP_CHOWN]\n    readOnly: true\n`),
  )
  assert.deepEqual(ok.registry.evil!.capAdd, ['NET_BIND_SERVICE', 'CHOWN'])
  assert.equal(ok.registry.evil!.readOnly, true)
  assert.match(
    failure(entry(`    capAdd: [SYS_ADMIN]\n`)),
    /capAdd.*"SYS_ADMIN" cannot be added from a catalog: use one of AUDIT_WRITE/,
  )
  assert.match(failure(entry(`    readOnly: sure\n`)), /readOnly/)
})
