/**
 * The static client checks `docker mcp doctor` runs (nothing is started): guards against a connected
 * client whose command cannot be found going unreported, and against silence when nothing is connected.
 */
import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {connectClient, doctorClients} from '../../../src/clients/index.js'
import {createContext, type Context} from '../../../src/context.js'
import {makeSandbox, ROOT, type Sandbox} from '../../helpers/sandbox.js'

let sandbox: Sandbox
let ctx: (env?: NodeJS.ProcessEnv) => Context
before(async () => {
  sandbox = await makeSandbox()
  ctx = (env = {}) => createContext({root: ROOT, env: {...sandbox.env, ...env}, cwd: sandbox.home})
})
after(() => sandbox.cleanup())

test('nothing connected: one warning naming the installed clients', async () => {
  await mkdir(path.join(sandbox.home, '.cursor'), {recursive: true})
  const findings = await doctorClients(ctx(), {platform: 'linux'})
  assert.deepEqual(findings, [
    {
      area: 'clients',
      status: 'warn',
      message: 'no MCP client is connected to the gateway',
      fix: 'docker mcp client connect <client> --global (installed: cursor)',
    },
  ])
})

test('connected clients, a command missing from PATH, and a broken file', async () => {
  const bin = path.join(sandbox.home, 'bin')
  await mkdir(bin, {recursive: true})
  await writeFile(path.join(bin, 'docker'), '#!/bin/sh\n', {mode: 0o755})
  await connectClient(ctx(), 'cursor', {global: true, platform: 'linux'})
  await connectClient(ctx({DOCKER_MCP_CLIENT_COMMAND: '/nowhere/docker'}), 'kiro', {
    global: true,
    platform: 'linux',
  })
  await mkdir(path.join(sandbox.home, '.gemini'), {recursive: true})
  await writeFile(path.join(sandbox.home, '.gemini/settings.json'), '{"mcpServers": }')
  const findings = await doctorClients(ctx({PATH: bin}), {platform: 'linux'})
  const byStatus = (s: string) => findings.filter((f) => f.status === s).map((f) => f.message)
  assert.deepEqual(byStatus('ok'), [`Cursor is connected (${path.join(sandbox.home, '.cursor/mcp.json')})`])
  assert.deepEqual(byStatus('warn'), [
    `Gemini CLI: ${path.join(sandbox.home, '.gemini/settings.json')}:1:16: invalid JSON: value expected`,
    'Kiro is connected, but its command "/nowhere/docker" does not exist or is not executable',
  ])
})

test('a connected Codex that would drop DOCKER_HOST is reported, until connect writes env_vars', async () => {
  const bin = path.join(sandbox.home, 'bin')
  await mkdir(bin, {recursive: true})
  await writeFile(path.join(bin, 'docker'), '#!/bin/sh\n', {mode: 0o755})
  const env = {PATH: bin, DOCKER_HOST: 'unix:///run/user/1000/docker.sock'}
  const codexFile = path.join(sandbox.home, '.codex/config.toml')
  await mkdir(path.dirname(codexFile), {recursive: true})
  await writeFile(
    codexFile,
    '[mcp_servers.MCP_DOCKER]\ncommand = "docker"\nargs = ["mcp", "gateway", "run"]\n',
  )
  const codex = async () =>
    (await doctorClients(ctx(env), {platform: 'linux'})).filter((f) => /Codex/.test(f.message))
  assert.deepEqual(await codex(), [
    {
      area: 'clients',
      status: 'warn',
      message:
        'Codex is connected, but does not pass DOCKER_HOST (set in your environment) to the gateway it starts',
      fix: 'docker mcp client connect codex --global',
    },
  ])
  await connectClient(ctx(env), 'codex', {global: true, platform: 'linux'})
  assert.deepEqual(await codex(), [
    {area: 'clients', status: 'ok', message: `Codex is connected (${codexFile})`},
  ])
})
