/**
 * Catalog text coming in (import, update) is refused when any entry expands one of its secrets into its
 * command line, whichever entry it is and whichever `$VAR` form it uses: not only the first entry.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseCatalogText} from '../../../src/catalog/validate.js'

const entry = (name: string, command: string) => `  ${name}:
    image: x:1
    secrets:
      - name: ${name}.key
        env: API_KEY
    command: [--verbose, ${JSON.stringify(command)}]
`

test('an entry after a clean one that expands its secret into command is refused, naming it', () => {
  const text = `name: team\nregistry:\n${entry('clean', '--port=80')}${entry('leaky', '--key=${API_KEY}')}`
  assert.throws(
    () => parseCatalogText('team.yaml', text),
    /team\.yaml:\d+:\d+: registry\.leaky\.command\[1\]: server "leaky": command\[1\] expands the secret "leaky\.key"/,
  )
})

test('entries that keep their secrets in the environment load', () => {
  const text = `name: team\nregistry:\n${entry('a', '--port=80')}${entry('b', '$HOME')}`
  assert.deepEqual(Object.keys(parseCatalogText('team.yaml', text).registry), ['a', 'b'])
})
