import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {test} from 'node:test'

import {eventually} from '../helpers/gateway.js'
import {makeSandbox, run, RUN_JS} from '../helpers/sandbox.js'

/**
 * docker (the gateway's parent) dies while the gateway is still reading its configuration, and the MCP
 * client keeps the gateway's stdin open. The gateway used to record its parent only after reading the
 * configuration: by then it had been adopted by PID 1, recorded that as its parent and ran on for ever.
 * The configuration read is held open here on purpose (the catalog is a FIFO the test writes only after
 * the parent is dead), so the old order fails every time, not only when the timing happens to be bad.
 */
test('a gateway whose parent dies while it reads its configuration stops', async () => {
  const sandbox = await makeSandbox()
  const catalog = path.join(sandbox.home, 'catalog.yaml')
  const log = path.join(sandbox.home, 'gateway.log')
  const stdin = path.join(sandbox.home, 'stdin')
  assert.equal((await run('mkfifo', [catalog, stdin])).code, 0)
  // The client's end of the gateway's stdin, held open (read-write, so that opening it does not block)
  // for the whole test: the gateway never sees end of input. (A socket pair from spawn's 'pipe' would not
  // survive being handed on by the launcher.)
  const clientEnd = openSync(stdin, 'r+')
  // The "docker" stand-in: starts the gateway (stdin inherited from us, stderr to a file) and prints its pid.
  const launcher = `
    const fs = require('node:fs')
    const {spawn} = require('node:child_process')
    const child = spawn(process.execPath, ${JSON.stringify([RUN_JS, 'gateway', 'run', '--catalog', catalog, '--no-cache'])}, {
      stdio: ['inherit', 'ignore', fs.openSync(${JSON.stringify(log)}, 'w')],
    })
    console.log(child.pid)
  `
  const parent = spawn(process.execPath, ['-e', launcher], {
    env: sandbox.env,
    stdio: [clientEnd, 'pipe', 'inherit'],
  })
  let gatewayPid = 0
  try {
    gatewayPid = await new Promise<number>((resolve) =>
      parent.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim()))),
    )
    // Blocked on the catalog: the configuration is being read.
    await eventually(
      () => readFile(log, 'utf8').catch(() => ''),
      (text) => text.includes('Reading configuration'),
      15_000,
    )
    parent.kill('SIGKILL')
    await new Promise((r) => parent.once('exit', r))
    await writeFile(catalog, 'version: 2\nname: parent-test\ndisplayName: Parent test\nregistry: {}\n')
    const stopped = await eventually(
      () => Promise.resolve(!isAlive(gatewayPid)),
      (gone) => gone,
      15_000,
    )
    assert.ok(stopped, `the orphaned gateway runs on:\n${await readFile(log, 'utf8')}`)
    assert.match(await readFile(log, 'utf8'), /parent process went away/)
  } finally {
    parent.kill('SIGKILL')
    if (gatewayPid && isAlive(gatewayPid)) process.kill(gatewayPid, 'SIGKILL')
    closeSync(clientEnd)
    await sandbox.cleanup()
  }
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
