import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseCatalogText} from '../../../src/catalog/validate.js'
import {FileFormatError} from '../../../src/errors.js'

const SEED = `version: 2
name: custom
displayName: Custom MCP Servers
registry:
  dice:
    description: "Roll dice"
    title: "Dice"
    type: server
    image: dice-mcp-server:latest
    tools:
      - name: roll_dice
    secrets:
      - name: API_KEY
        env: SERVER_API_KEY
`

/** Parse and expect a FileFormatError; returns its message. */
function failure(text: string): string {
  try {
    parseCatalogText('team.yaml', text)
  } catch (err) {
    assert.ok(err instanceof FileFormatError, `expected a FileFormatError, got ${String(err)}`)
    return err.message
  }
  assert.fail('expected the catalog to be rejected')
}

test('the seed catalog from the issue loads as is', () => {
  const c = parseCatalogText('seed.yaml', SEED)
  assert.equal(c.data.name, 'custom')
  assert.equal(c.data.displayName, 'Custom MCP Servers')
  const dice = c.registry.dice!
  assert.equal(dice.image, 'dice-mcp-server:latest')
  assert.deepEqual(dice.tools, [{name: 'roll_dice'}])
  assert.deepEqual(dice.secrets, [{name: 'API_KEY', env: 'SERVER_API_KEY'}])
})

test('unknown fields are kept, at every level (passthrough, not dropped)', () => {
  const c = parseCatalogText(
    'x.yaml',
    `future: {a: 1}
registry:
  s:
    image: i
    someNewField: [1, 2]
    secrets: [{name: a.b, env: A, vault: primary}]
    remote: {url: "https://x", transport_type: sse, retry: 3}
    tools: [{name: t, outputSchema: {type: object}}]
`,
  )
  assert.deepEqual((c.data as Record<string, unknown>).future, {a: 1})
  const s = c.registry.s as Record<string, unknown>
  assert.deepEqual(s.someNewField, [1, 2])
  assert.equal((c.registry.s!.secrets![0] as Record<string, unknown>).vault, 'primary')
  assert.equal((c.registry.s!.remote as Record<string, unknown>).retry, 3)
  assert.deepEqual((c.registry.s!.tools![0] as Record<string, unknown>).outputSchema, {type: 'object'})
})

test('v3 fields load: remote servers, oauth (both shapes), config schemas, poci tools, metadata', () => {
  const c = parseCatalogText(
    'v3.yaml',
    `version: 3
name: docker-mcp
registry:
  remote-docs:
    type: remote
    remote: {url: "https://docs.example.com/mcp", transport_type: streamable-http, headers: {Authorization: "Bearer \${TOKEN}"}}
    oauth: {providers: [{provider: docs, secret: docs.token, env: TOKEN}], scopes: [read]}
  old-oauth:
    image: x
    oauth: [{provider: github, secret: github.token, env: GITHUB_TOKEN}]
  poci:
    type: poci
    tools:
      - name: curl
        container: {image: alpine/curl, command: ["{{url}}"]}
        parameters: {type: object, properties: {url: {type: string}}, required: [url]}
  fs:
    image: mcp/filesystem
    config:
      - name: fs
        type: object
        properties: {paths: {type: array, items: {type: string}}}
        required: [paths]
    metadata: {pulls: 1000, stars: 5, tags: [files], category: devops}
    prompts: 2
    resources: {}
`,
  )
  assert.equal(c.registry['remote-docs']!.remote!.transport_type, 'streamable-http')
  assert.equal(Object.keys(c.registry).length, 4)
})

test('scalars where the original expects strings are accepted and converted (Go YAML does the same)', () => {
  const c = parseCatalogText(
    'x.yaml',
    `registry:
  s:
    image: i
    command: [--port, 8080, --verbose, true]
    env: [{name: PORT, value: 8080}]
`,
  )
  assert.deepEqual(c.registry.s!.command, ['--port', '8080', '--verbose', 'true'])
  assert.equal(c.registry.s!.env![0]!.value, '8080')
})

test('an entry with nothing under it is an empty entry; an empty file is an empty catalog', () => {
  assert.deepEqual(parseCatalogText('x.yaml', 'registry:\n  s:\n').registry, {s: {}})
  assert.deepEqual(parseCatalogText('x.yaml', '').registry, {})
  assert.deepEqual(parseCatalogText('x.yaml', 'name: x\nregistry:\n').registry, {})
})

// Errors name the file, the line (and column) of the field, the field, and what was expected.
const errors: Array<[string, string, string]> = [
  [
    'wrong type of a nested field',
    'registry:\n  dice:\n    image: i\n    secrets:\n      - name: API_KEY\n        env: 42\n',
    'team.yaml:6:9: registry.dice.secrets[0].env: expected a string, got the number 42',
  ],
  [
    'missing required field',
    'registry:\n  dice:\n    secrets:\n      - name: API_KEY\n',
    'team.yaml:4:9: registry.dice.secrets[0]: missing required field "env" (a string)',
  ],
  [
    'enum value',
    'registry:\n  dice:\n    type: container\n',
    'team.yaml:3:5: registry.dice.type: expected one of "server", "remote", "poci", got the string "container"',
  ],
  [
    'list expected',
    'registry:\n  dice:\n    command: --stdio\n',
    'team.yaml:3:5: registry.dice.command: expected a list, got the string "--stdio"',
  ],
  [
    'boolean expected',
    'registry:\n  dice:\n    longLived: "yes"\n',
    'team.yaml:3:5: registry.dice.longLived: expected true or false, got the string "yes"',
  ],
  [
    'registry must be a mapping',
    'name: x\nregistry:\n  - dice\n',
    'team.yaml:2:1: registry: expected a mapping, got a list',
  ],
  [
    'the top level must be a mapping',
    '- a\n- b\n',
    'team.yaml:1: expected a catalog: a mapping with "name", "displayName" and "registry"',
  ],
  [
    'bad secret name',
    'registry:\n  s:\n    secrets: [{name: "bad name!", env: X}]\n',
    'team.yaml:3:16: registry.s.secrets[0].name: expected a secret name made of letters, digits, ".", "_", ":", "-" (and "/" between parts), got the string "bad name!"',
  ],
  [
    'bad env var name',
    'registry:\n  s:\n    env:\n      - name: A=B\n        value: a\n',
    'team.yaml:4:9: registry.s.env[0].name: expected an environment variable name (no "=" or spaces), got the string "A=B"',
  ],
  [
    'transport type',
    'registry:\n  s:\n    remote:\n      url: https://x\n      transport_type: websocket\n',
    'team.yaml:5:7: registry.s.remote.transport_type: expected one of "sse", "http", "streamable", "streaming", "streamable-http", got the string "websocket"',
  ],
  [
    'server names',
    'registry:\n  ../evil:\n    image: x\n',
    'team.yaml:2:3: registry["../evil"]: server names are letters, digits, ".", "_" and "-"',
  ],
  [
    'template syntax errors are found at load time',
    'registry:\n  fs:\n    image: x\n    volumes:\n      - "{{fs.paths|volumes}}"\n',
    'team.yaml:5:9: registry.fs.volumes[0]: invalid template "{{fs.paths|volumes}}": unknown function "volumes" (known: volume, volume-target, into, first, last, or:<default>, mount_as:<target>)',
  ],
  [
    'duplicate keys',
    'registry:\n  dice:\n    image: a\n  dice:\n    image: b\n',
    'team.yaml:4:3: invalid YAML: duplicate key (each key may appear only once in a mapping)',
  ],
  ['YAML syntax', 'registry:\n  dice:\n    image: [unclosed\n', 'team.yaml:4:1: invalid YAML:'],
  ['tabs for indentation', 'registry:\n\tdice: {}\n', 'team.yaml:2:1: invalid YAML:'],
]
for (const [name, text, expected] of errors) {
  test(`catalog error: ${name}`, () => {
    const message = failure(text)
    assert.ok(message.startsWith(expected), `got: ${message}`)
  })
}

test('several problems: every one is reported, by line, each with file:line:column and field', () => {
  const message = failure(
    'registry:\n  a:\n    image: 1\n  b:\n    longLived: 2\n  c:\n    image: x\n    command: 3\n',
  )
  assert.equal(
    message,
    [
      'team.yaml:3:5: registry.a.image: expected a string, got the number 1',
      'team.yaml:5:5: registry.b.longLived: expected true or false, got the number 2',
      'team.yaml:8:5: registry.c.command: expected a list, got the number 3',
    ].join('\n'),
  )
  assert.doesNotMatch(message, /more problem/)
})

test('several bad templates: every one is reported', () => {
  const message = failure(
    'registry:\n  a:\n    image: x\n    command: ["{{a.x|nope}}"]\n  b:\n    image: y\n    user: "{{b.u|bad}}"\n',
  )
  const lines = message.split('\n')
  assert.equal(lines.length, 2, message)
  assert.match(lines[0]!, /^team\.yaml:4:\d+: registry\.a\.command\[0\]: invalid template/)
  assert.match(lines[1]!, /^team\.yaml:7:\d+: registry\.b\.user: invalid template/)
})

test('alias bombs are refused', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
  for (let i = 0; i < 10; i++)
    lines.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    )
  const message = failure(lines.join('\n') + '\n')
  assert.match(message, /^team\.yaml: invalid YAML: .*alias/i)
})

test('oversize text is refused before parsing', () => {
  const message = failure('# ' + 'x'.repeat(9 * 1024 * 1024) + '\n')
  assert.match(message, /^team\.yaml: file is too large \(9\.0 MiB; the limit is 8\.0 MiB\)/)
})

test('catalog names become safe file names, whatever catalog.json says', async () => {
  const {catalogFileName, checkCatalogName} = await import('../../../src/catalog/names.js')
  assert.equal(catalogFileName('Team'), 'team.yaml')
  assert.equal(catalogFileName('../../etc/passwd'), '.._.._etc_passwd.yaml')
  assert.equal(catalogFileName('..'), '__.yaml')
  assert.equal(catalogFileName('a\\b:c\u0000'), 'a_b_c_.yaml')
  assert.doesNotThrow(() => checkCatalogName('my-catalog_2.0'))
  for (const bad of ['', '../x', 'a/b', 'a\\b', '.hidden', '-flag', 'a..b', 'x'.repeat(101), 'sp ace'])
    assert.throws(() => checkCatalogName(bad), /invalid catalog name/, bad)
})
