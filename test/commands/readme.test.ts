import assert from 'node:assert/strict'
import path from 'node:path'
import {test} from 'node:test'

import {ROOT, run} from '../helpers/sandbox.js'

test('the README command reference matches the commands (node scripts/readme-commands.mjs)', async () => {
  const r = await run(process.execPath, [path.join(ROOT, 'scripts/readme-commands.mjs'), '--check'])
  assert.equal(r.code, 0, r.stderr)
})

test('the README starts with the two set-up commands', async () => {
  const {readFile} = await import('node:fs/promises')
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const firstLines = readme.split('\n').slice(0, 4).join('\n')
  assert.match(firstLines, /\.\/scripts\/quickstart\.sh/)
  assert.match(firstLines, /\.\/scripts\/test\.sh/)
})
