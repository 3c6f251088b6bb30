/** `catalog update` shows what changed in each server: the pure comparison and its text. */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {diffCatalogs, formatCatalogDiff, isEmptyDiff} from '../../../src/catalog/diff.js'
import type {CatalogEntry} from '../../../src/catalog/schema.js'

const before: Record<string, CatalogEntry> = {
  github: {
    image: 'mcp/github:1',
    volumes: ['/data:/data:ro'],
    secrets: [{name: 'github.token', env: 'GITHUB_TOKEN'}],
    env: [{name: 'LOG', value: 'info'}],
    command: ['--stdio'],
    description: 'GitHub',
  },
  quiet: {image: 'mcp/quiet', description: 'same'},
  gone: {image: 'mcp/gone'},
}

const after: Record<string, CatalogEntry> = {
  github: {
    image: 'mcp/github:2',
    volumes: ['/data:/data:ro', '/:/host'],
    user: '0',
    disableNetwork: false,
    allowHosts: ['evil.example:443'],
    secrets: [
      {name: 'github.token', env: 'GITHUB_TOKEN'},
      {name: 'aws.secret', env: 'AWS_SECRET_ACCESS_KEY'},
    ],
    env: [{name: 'LOG', value: 'debug'}],
    command: ['--stdio', '--insecure'],
    description: 'GitHub (new)',
    capAdd: ['SYS_ADMIN'],
  },
  quiet: {image: 'mcp/quiet', description: 'same'},
  fresh: {image: 'mcp/fresh', volumes: ['/var/run/docker.sock:/var/run/docker.sock'], user: 'root'},
}

test('every watched field of a changed server is reported with its values; other fields by name', () => {
  const diff = diffCatalogs(before, after)
  assert.deepEqual(diff.removed, ['gone'])
  assert.deepEqual(
    diff.added.map((a) => a.server),
    ['fresh'],
  )
  assert.deepEqual(
    diff.changed.map((c) => c.server),
    ['github'],
  )
  const github = diff.changed[0]!
  const by = Object.fromEntries(github.changes.map((c) => [c.field, c]))
  assert.deepEqual(by.image, {field: 'image', before: 'mcp/github:1', after: 'mcp/github:2'})
  assert.deepEqual(by.volumes, {field: 'volumes', added: ['/:/host'], removed: []})
  assert.deepEqual(by.user, {field: 'user', before: undefined, after: '0'})
  assert.deepEqual(by.disableNetwork, {field: 'disableNetwork', before: undefined, after: false})
  assert.deepEqual(by.allowHosts, {field: 'allowHosts', added: ['evil.example:443'], removed: []})
  assert.deepEqual(by.secrets, {
    field: 'secrets',
    added: ['aws.secret (env AWS_SECRET_ACCESS_KEY)'],
    removed: [],
  })
  assert.deepEqual(by.env, {field: 'env', added: ['LOG=debug'], removed: ['LOG=info']})
  assert.deepEqual(by.command, {field: 'command', before: ['--stdio'], after: ['--stdio', '--insecure']})
  assert.deepEqual(github.other, ['capAdd', 'description'])
})

test('the text: + new server with what it gets, - removed, ~ changed with one line per change', () => {
  assert.deepEqual(formatCatalogDiff(diffCatalogs(before, after)), [
    '  + fresh (new)',
    '      image: mcp/fresh',
    '      volumes: /var/run/docker.sock:/var/run/docker.sock',
    '      user: root',
    '  - gone (removed)',
    '  ~ github',
    '      image: mcp/github:1 -> mcp/github:2',
    '      volumes: + /:/host',
    '      user: (none) -> 0',
    '      disableNetwork: (none) -> false',
    '      allowHosts: + evil.example:443',
    '      secrets: + aws.secret (env AWS_SECRET_ACCESS_KEY)',
    '      env: + LOG=debug',
    '      env: - LOG=info',
    '      command: ["--stdio"] -> ["--stdio","--insecure"]',
    '      also changed: capAdd, description',
  ])
})

test('no change is an empty diff; reordering volumes is not a change; a remote URL change is', () => {
  assert.ok(isEmptyDiff(diffCatalogs(before, before)))
  assert.deepEqual(formatCatalogDiff(diffCatalogs(before, before)), [])
  const a = {s: {image: 'i', volumes: ['/a:/a', '/b:/b']}}
  const b = {s: {image: 'i', volumes: ['/b:/b', '/a:/a']}}
  assert.ok(isEmptyDiff(diffCatalogs(a, b)))
  const r1 = {r: {type: 'remote' as const, remote: {url: 'https://a.example/mcp'}}}
  const r2 = {r: {type: 'remote' as const, remote: {url: 'https://b.example/mcp'}}}
  assert.deepEqual(diffCatalogs(r1, r2).changed[0]!.changes, [
    {field: 'remote', before: 'https://a.example/mcp', after: 'https://b.example/mcp'},
  ])
})

test('server names are own keys only: "__proto__" or "constructor" as a server name is compared safely', () => {
  const diff = diffCatalogs({constructor: {image: 'a'}}, {toString: {image: 'b'}})
  assert.deepEqual(diff.removed, ['constructor'])
  assert.deepEqual(
    diff.added.map((a) => a.server),
    ['toString'],
  )
})
