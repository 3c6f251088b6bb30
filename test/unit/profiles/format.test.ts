/**
 * The profile file format (the original's working-set export format, pkg/workingset): parsing the
 * original's YAML and JSON, validation errors with file, line and field, server references.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'

import {FileFormatError} from '../../../src/errors.js'
import {
  canonicalProfile,
  imageBaseName,
  parseProfile,
  profileToArtifact,
  serializeProfile,
  serverName,
  slugify,
} from '../../../src/profiles/format.js'
import {parseServerRef} from '../../../src/profiles/refs.js'
import {ROOT} from '../../helpers/sandbox.js'

const fixture = (name: string) => {
  const file = path.join(ROOT, 'test/fixtures/profiles', name)
  return {file, text: readFileSync(file, 'utf8')}
}

describe('the original export format', () => {
  test('YAML as its encoder writes it (4-space indent): servers, config, tools, secrets', () => {
    const {file, text} = fixture('original-export.yaml')
    const p = parseProfile(file, text)
    assert.equal(p.id, 'team')
    assert.equal(p.name, 'Team tools')
    assert.deepEqual(p.servers.map(serverName), ['dice', 'example-remote', 'notes'])
    assert.deepEqual(p.servers[0]!.config, {sides: 12})
    assert.deepEqual(p.servers[0]!.tools, ['roll_dice'])
    // [] is "no tool at all", absent is "every tool": the two must not be confused.
    assert.deepEqual(p.servers[1]!.tools, [])
    assert.equal(p.servers[2]!.tools, undefined)
    assert.equal(p.servers[1]!.endpoint, 'https://mcp.example.com/mcp')
    assert.deepEqual(p.secrets, {default: {provider: 'docker-desktop-store'}})
  })

  test('JSON as its encoder writes it: "tools": null is every tool', () => {
    const {file, text} = fixture('original-export.json')
    const p = parseProfile(file, text)
    assert.deepEqual(p.servers.map(serverName), ['dice', 'time'])
    assert.equal(p.servers[1]!.tools, undefined)
  })

  test('our export reads back the same, in the original field order, in YAML and JSON', () => {
    const {file, text} = fixture('original-export.yaml')
    const p = parseProfile(file, text)
    for (const format of ['yaml', 'json'] as const) {
      const again = parseProfile(`x.${format}`, serializeProfile(p, format))
      assert.deepEqual(canonicalProfile(again), canonicalProfile(p))
    }
    const yaml = serializeProfile(p, 'yaml')
    assert.match(yaml, /^version: 1\nid: team\nname: Team tools\nservers:\n {2}- type: image\n {4}config:\n/)
    assert.ok(
      yaml.indexOf('image: dice-mcp-server') < yaml.indexOf('snapshot:'),
      'snapshot last, as the original',
    )
  })

  test('the registry artifact is the original catalog shape: name and servers, no id, no snapshots', () => {
    const {file, text} = fixture('original-export.yaml')
    const artifact = profileToArtifact(parseProfile(file, text))
    assert.deepEqual(Object.keys(artifact), ['name', 'servers'])
    assert.deepEqual(artifact.servers[0], {
      type: 'image',
      config: {sides: 12},
      tools: ['roll_dice'],
      image: 'dice-mcp-server:latest',
    })
  })
})

describe('validation errors name file, line and field', () => {
  test('every problem, by line', () => {
    const {file, text} = fixture('broken.yaml')
    assert.throws(
      () => parseProfile(file, text),
      (err: unknown) => {
        assert.ok(err instanceof FileFormatError)
        assert.match(
          err.message,
          /broken\.yaml:10:\d+: servers\[1\]\.type: expected one of "image", "registry", "remote", got the string "container"/,
        )
        assert.match(
          err.message,
          /broken\.yaml:13:\d+: servers\[2\]\.tools: expected a list, got the string "roll_dice"/,
        )
        return true
      },
    )
  })

  test('a missing field, the version, an id that could name a path', () => {
    assert.throws(
      () => parseProfile('p.yaml', 'version: 1\nid: x\nservers: []\n'),
      /p\.yaml:1:1: .*missing required field "name"/,
    )
    assert.throws(
      () => parseProfile('p.yaml', 'version: 2\nid: x\nname: X\n'),
      /p\.yaml:1:1: version: expected one of 1, got the number 2/,
    )
    assert.throws(
      () => parseProfile('p.yaml', 'version: 1\nid: ../etc\nname: X\n'),
      /p\.yaml:2:\d+: id: expected a profile id/,
    )
  })

  test('the field its type needs, duplicate names and unknown secret providers', () => {
    const text = [
      'version: 1',
      'id: x',
      'name: X',
      'servers:',
      '  - type: image',
      '    secrets: vault',
      '    snapshot: {server: {name: a}}',
      '  - type: image',
      '    image: a',
      '    snapshot: {server: {name: a}}',
      'secrets: {default: {provider: docker-desktop-store}}',
    ].join('\n')
    assert.throws(
      () => parseProfile('p.yaml', text),
      (err: Error) => {
        assert.match(err.message, /p\.yaml:5:\d+: servers\[0\]\.image: required for type "image"/)
        return true
      },
    )
    const dup = text.replace('    secrets: vault\n', '    image: a\n')
    assert.throws(
      () => parseProfile('p.yaml', dup),
      /p\.yaml:10:\d+: servers\[1\]\.snapshot\.server\.name: duplicate server name "a"/,
    )
    const vault = text.replace('  - type: image\n    image: a\n    snapshot: {server: {name: a}}', '')
    assert.throws(
      () => parseProfile('p.yaml', vault.replace('    secrets: vault', '    image: a\n    secrets: vault')),
      /servers\[0\]\.secrets: "vault" is not a key/,
    )
  })

  test("a snapshot gets the catalog's checks (it is run as a catalog entry)", () => {
    const text =
      'version: 1\nid: x\nname: X\nservers:\n  - type: image\n    image: a\n    snapshot:\n      server:\n        name: a\n        capAdd: [SYS_ADMIN]\n'
    assert.throws(
      () => parseProfile('p.yaml', text),
      /p\.yaml:10:\d+: servers\[0\]\.snapshot\.server\.capAdd\[0\]: capability "SYS_ADMIN" cannot be added/,
    )
  })
})

describe('server references', () => {
  test('the forms the original writes', () => {
    assert.deepEqual(parseServerRef('catalog://docker-mcp/dice+time'), {
      kind: 'catalog',
      catalog: 'docker-mcp',
      patterns: ['dice', 'time'],
    })
    assert.deepEqual(parseServerRef('catalog://mcp/docker-mcp-catalog/fetch'), {
      kind: 'catalog',
      catalog: 'mcp/docker-mcp-catalog',
      patterns: ['fetch'],
    })
    assert.deepEqual(parseServerRef('docker://mcp/time:latest'), {kind: 'docker', image: 'mcp/time:latest'})
    assert.deepEqual(parseServerRef('file://./servers.yaml'), {kind: 'file', file: './servers.yaml'})
    assert.deepEqual(parseServerRef('https://mcp.example.com/mcp'), {
      kind: 'remote',
      url: 'https://mcp.example.com/mcp',
    })
  })

  test('bad references are usage errors that show the accepted forms', () => {
    for (const bad of [
      'dice',
      'catalog://dice',
      'catalog://docker-mcp/',
      'docker://',
      'docker://a b',
      'file://',
      'https://user:pw@x.example/',
    ])
      assert.throws(
        () => parseServerRef(bad),
        (err: Error & {exitCode?: number}) => {
          assert.equal(err.exitCode, 125, bad)
          assert.match(err.message, new RegExp(`invalid server reference "${bad.replace(/[/.+]/g, '\\$&')}"`))
          return true
        },
      )
  })

  test('names and ids', () => {
    assert.equal(imageBaseName('ghcr.io/github/github-mcp-server:1@sha256:abc'), 'github-mcp-server')
    assert.equal(slugify('My AI tools!'), 'my-ai-tools')
  })
})
