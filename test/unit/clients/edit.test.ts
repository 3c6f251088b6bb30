/**
 * Edge cases of the pure edits that the per-client goldens do not show: layouts that need the fallback
 * paths (TOML dotted keys and inline tables, YAML flow maps), one-line JSON, and the safety net that
 * refuses an edit whose result would not hold the expected data.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {removeEntry, setEntry, type ConfigTarget} from '../../../src/clients/edit/index.js'
import {assertSameData} from '../../../src/clients/edit/text.js'
import {readTomlConfig} from '../../../src/clients/edit/toml.js'
import {FileFormatError} from '../../../src/errors.js'

const ENTRY = {command: 'docker', args: ['mcp', 'gateway', 'run']}
const json = (container = ['mcpServers']): ConfigTarget => ({
  format: 'jsonc',
  container,
  kind: 'map',
  name: 'MCP_DOCKER',
})
const toml: ConfigTarget = {format: 'toml', container: ['mcp_servers'], kind: 'map', name: 'MCP_DOCKER'}
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown
const yaml: ConfigTarget = {format: 'yaml', container: ['extensions'], kind: 'map', name: 'mcpdocker'}

describe('JSON', () => {
  test('a one-line object gets a one-line entry in its own spacing', () => {
    const text = '{"mcpServers": {"a": {"command": "x"}}}\n'
    const out = setEntry('f', text, json(), ENTRY)
    assert.equal(
      out,
      '{"mcpServers": {"a": {"command": "x"}, "MCP_DOCKER": {"command": "docker", "args": ["mcp", "gateway", "run"]}}}\n',
    )
    assert.equal(removeEntry('f', out, json()), text)
  })

  test('an object closing on the line of its last property', () => {
    const text = '{\n  "mcpServers": {\n    "a": 1}\n}\n'
    const out = setEntry('f', text, json(), ENTRY)
    assert.match(out, /"a": 1,\n {4}"MCP_DOCKER": \{\n/)
    assert.deepEqual(JSON.parse(out).mcpServers.MCP_DOCKER, ENTRY)
  })

  test('a nested container path is created level by level', () => {
    const out = setEntry('f', '{\n  "a": {\n    "b": 1\n  }\n}\n', json(['a', 'servers']), ENTRY)
    assert.deepEqual(JSON.parse(out), {a: {b: 1, servers: {MCP_DOCKER: ENTRY}}})
    assert.match(out, /^ {4}"servers": \{$/m)
  })

  test('replacing keeps the entry where it was', () => {
    const text = '{"mcpServers": {"MCP_DOCKER": {"command": "old"}, "z": {}}}'
    assert.deepEqual(Object.keys(JSON.parse(setEntry('f', text, json(), ENTRY)).mcpServers), [
      'MCP_DOCKER',
      'z',
    ])
  })
})

describe('TOML layouts that go through the patcher', () => {
  test('servers as dotted keys in the root table', () => {
    const text = 'model = "o3"\nmcp_servers.memory.command = "npx"\n'
    const out = setEntry('f', text, toml, ENTRY)
    assert.deepEqual(plain(readTomlConfig('f', out).mcp_servers), {
      memory: {command: 'npx'},
      MCP_DOCKER: ENTRY,
    })
    assert.ok(out.startsWith(text.trimEnd()), 'existing lines kept')
    assert.equal(removeEntry('f', out, toml), text)
  })

  test('servers in an inline table (immutable in TOML: no section may be added)', () => {
    const text = 'mcp_servers = { memory = { command = "npx" } }\n'
    const out = setEntry('f', text, toml, ENTRY)
    assert.deepEqual(plain(readTomlConfig('f', out).mcp_servers), {
      memory: {command: 'npx'},
      MCP_DOCKER: ENTRY,
    })
    assert.equal(removeEntry('f', out, toml), text)
  })

  test("a container that is not a table is the user's to fix", () => {
    assert.throws(() => setEntry('f', 'mcp_servers = "x"\n', toml, ENTRY), /should be a table of servers/)
  })

  test('our entry as an inline table under [mcp_servers] is updated in place', () => {
    const text = '[mcp_servers]\nMCP_DOCKER = { command = "old" }\nother = { command = "y" }\n'
    const out = setEntry('f', text, toml, ENTRY)
    assert.deepEqual(Object.keys(readTomlConfig('f', out).mcp_servers as object), ['MCP_DOCKER', 'other'])
  })
})

describe('YAML', () => {
  test('a flow map with items goes through the Document API, keeping the rest', () => {
    const text = '# goose\nextensions: {dev: {enabled: true}}\nGOOSE_MODEL: x # model\n'
    const out = setEntry('f', text, yaml, {name: 'mcpdocker', cmd: 'docker'})
    assert.equal(
      out,
      '# goose\nextensions: {dev: {enabled: true}, mcpdocker: {name: mcpdocker, cmd: docker}}\nGOOSE_MODEL: x # model\n',
    )
    assert.equal(removeEntry('f', out, yaml), text)
  })

  test('a top level that is not a mapping is refused with its position', () => {
    assert.throws(() => setEntry('f', '- a\n- b\n', yaml, {}), {
      message: 'f:1:1: expected a mapping (key: value) at the top level',
    })
  })
})

test('the safety net refuses an edit that would not hold the expected data', () => {
  assert.throws(
    () => assertSameData('cfg.json', {a: 1}, {a: 2}),
    (err: unknown) => {
      assert.ok(err instanceof FileFormatError)
      assert.match(err.message, /^cfg\.json: internal error: .* left unchanged/)
      return true
    },
  )
  assert.doesNotThrow(() => assertSameData('f', Object.assign(Object.create(null), {a: [1]}), {a: [1]}))
})
