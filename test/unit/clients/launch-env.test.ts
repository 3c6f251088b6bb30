/**
 * Client quirks (issue #13): Codex passes MCP servers only its allowlist, so a user with DOCKER_CONFIG,
 * DOCKER_HOST or DOCKER_CONTEXT set got "unknown command: docker mcp" while `client connect codex --verify`
 * said ✓ (it launched with our whole environment). These check the launch environment each client row
 * describes, and that what `connect` writes gets the Docker variables through every client's rule.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {buildEntry, CLIENTS, findClient, type Platform} from '../../../src/clients/index.js'
import {DOCKER_CLI_ENV_VARS, launchEnvironment} from '../../../src/clients/launch-env.js'

const userEnv = {
  HOME: '/home/zoe',
  PATH: '/usr/bin',
  LANG: 'C.UTF-8',
  PWD: '/home/zoe/src',
  SSH_AUTH_SOCK: '/tmp/agent.sock',
  GITHUB_TOKEN: 'ghp_not_for_servers',
  DOCKER_CONFIG: '/home/zoe/.config/docker',
  DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
  DOCKER_CONTEXT: 'rootless',
}
const linux = {platform: 'linux' as const, env: userEnv}

describe('Codex', () => {
  const codex = findClient('codex')

  test('an entry without env_vars gets only the allowlist: the Docker variables are dropped, and said so', () => {
    const entry = {command: 'docker', args: ['mcp', 'gateway', 'run']}
    const launch = launchEnvironment(codex, linux, entry)
    assert.deepEqual(launch.env, {HOME: '/home/zoe', PATH: '/usr/bin', LANG: 'C.UTF-8'})
    assert.deepEqual(launch.dropped, ['DOCKER_CONFIG', 'DOCKER_CONTEXT', 'DOCKER_HOST'])
  })

  test('connect writes the names in env_vars (never values), and Codex then forwards them', () => {
    const entry = buildEntry(codex, linux)
    assert.deepEqual(entry, {
      command: 'docker',
      args: ['mcp', 'gateway', 'run'],
      env_vars: ['DOCKER_CONFIG', 'DOCKER_CONTEXT', 'DOCKER_HOST'],
    })
    const launch = launchEnvironment(codex, linux, entry)
    assert.deepEqual(launch.dropped, [])
    assert.equal(launch.env.DOCKER_CONFIG, '/home/zoe/.config/docker')
    assert.equal(launch.env.GITHUB_TOKEN, undefined)
    assert.equal(launch.env.SSH_AUTH_SOCK, undefined)
  })

  test('DOCKER_CONFIG naming the default ~/.docker, or no Docker variable at all: nothing to write', () => {
    const plain = {platform: 'linux' as const, env: {HOME: '/home/zoe', DOCKER_CONFIG: '/home/zoe/.docker'}}
    assert.deepEqual(buildEntry(codex, plain), {command: 'docker', args: ['mcp', 'gateway', 'run']})
    assert.deepEqual(launchEnvironment(codex, plain, buildEntry(codex, plain)).dropped, [])
  })

  test('on Windows, names match case-insensitively and the Windows allowlist applies', () => {
    const win = {
      platform: 'win32' as const,
      env: {Path: 'C:\\Windows', USERPROFILE: 'C:\\Users\\zoe', docker_host: 'npipe:////./pipe/other'},
    }
    const entry = buildEntry(codex, win)
    assert.deepEqual(entry.env_vars, ['DOCKER_HOST'])
    const launch = launchEnvironment(codex, win, entry)
    assert.deepEqual(launch.env, {
      PATH: 'C:\\Windows',
      USERPROFILE: 'C:\\Users\\zoe',
      DOCKER_HOST: 'npipe:////./pipe/other',
    })
    assert.deepEqual(launch.dropped, [])
  })
})

test('Claude Desktop has no passthrough key: connect writes the values into env', () => {
  const claude = findClient('claude-desktop')
  const entry = buildEntry(claude, linux)
  assert.deepEqual(entry.env, {
    DOCKER_CONFIG: '/home/zoe/.config/docker',
    DOCKER_CONTEXT: 'rootless',
    DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
  })
  assert.deepEqual(launchEnvironment(claude, linux, {...entry, env: undefined}).env, {
    HOME: '/home/zoe',
    PATH: '/usr/bin',
  })
})

test('a client that passes its whole environment gets no Docker variables written', () => {
  const vscode = findClient('vscode')
  assert.deepEqual(buildEntry(vscode, linux), {
    type: 'stdio',
    command: 'docker',
    args: ['mcp', 'gateway', 'run'],
  })
  const launch = launchEnvironment(vscode, linux, buildEntry(vscode, linux))
  assert.deepEqual(launch, {env: userEnv, dropped: []})
})

test('every client row: the entry connect writes gets every Docker variable to the gateway, on every OS', () => {
  const platforms: Platform[] = ['linux', 'darwin', 'win32']
  const all = Object.fromEntries(DOCKER_CLI_ENV_VARS.map((name) => [name, `/set/${name}`]))
  for (const def of CLIENTS) {
    for (const platform of platforms) {
      const ctx = {platform, env: {HOME: '/home/zoe', USERPROFILE: 'C:\\Users\\zoe', ...all}}
      const entry = buildEntry(def, ctx)
      const launch = launchEnvironment(def, ctx, entry)
      assert.deepEqual(launch.dropped, [], `${def.id} on ${platform}`)
      const own = (entry.env ?? entry.envs ?? entry.environment ?? {}) as Record<string, string>
      for (const name of DOCKER_CLI_ENV_VARS)
        assert.equal(own[name] ?? launch.env[name], `/set/${name}`, `${def.id} on ${platform}: ${name}`)
    }
  }
})

test('a Docker address with a password in it is never written as a value', () => {
  const claude = findClient('claude-desktop')
  const ctx = {
    platform: 'linux' as const,
    env: {HOME: '/home/zoe', DOCKER_HOST: 'tcp://zoe:hunter2@10.0.0.5:2376'},
  }
  const entry = buildEntry(claude, ctx)
  assert.equal(entry.env, undefined)
  assert.deepEqual(launchEnvironment(claude, ctx, entry).dropped, ['DOCKER_HOST'])
})
