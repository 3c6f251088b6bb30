import assert from 'node:assert/strict'
import path from 'node:path'
import {test} from 'node:test'

import {dockerConfigDir, homeDir, mcpPaths, resolveMcpFile} from '../../src/paths.js'

test('DOCKER_CONFIG wins over HOME', () => {
  assert.equal(dockerConfigDir({DOCKER_CONFIG: '/cfg', HOME: '/home/u'}), '/cfg')
  assert.equal(mcpPaths({DOCKER_CONFIG: '/cfg', HOME: '/home/u'}).registry, '/cfg/mcp/registry.yaml')
})

test('HOME is used when DOCKER_CONFIG is unset or empty', () => {
  assert.equal(dockerConfigDir({HOME: '/home/u'}), '/home/u/.docker')
  assert.equal(dockerConfigDir({HOME: '/home/u', DOCKER_CONFIG: ''}), '/home/u/.docker')
  assert.equal(homeDir({USERPROFILE: 'C:/Users/u'}), 'C:/Users/u')
})

test('relative DOCKER_CONFIG is made absolute', () => {
  assert.equal(dockerConfigDir({DOCKER_CONFIG: 'rel'}), path.resolve('rel'))
})

test('every mcp path lives under ~/.docker/mcp', () => {
  const p = mcpPaths({HOME: '/h'})
  assert.equal(p.mcpDir, '/h/.docker/mcp')
  for (const key of [
    'catalogIndex',
    'catalogsDir',
    'registry',
    'config',
    'tools',
    'secretsDir',
    'secretsFile',
    'secretAllowlist',
    'cacheDir',
    'fileCacheDir',
  ] as const) {
    assert.ok(p[key].startsWith('/h/.docker/mcp/'), `${key}: ${p[key]}`)
  }
  assert.equal(p.cliPluginsDir, '/h/.docker/cli-plugins')
})

test('resolveMcpFile: absolute, ./relative and bare names', () => {
  const p = mcpPaths({HOME: '/h'})
  assert.equal(resolveMcpFile(p, '/abs/r.yaml', '/cwd'), '/abs/r.yaml')
  assert.equal(resolveMcpFile(p, './r.yaml', '/cwd'), '/cwd/r.yaml')
  assert.equal(resolveMcpFile(p, 'r.yaml', '/cwd'), '/h/.docker/mcp/r.yaml')
})
