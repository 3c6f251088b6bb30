#!/usr/bin/env node
// Write oclif.manifest.json (the command list oclif reads instead of loading every command) as
// `oclif manifest` does, but safely beside running processes: `oclif manifest` deletes the file first and
// writes the new one in place, so a command started during a rebuild (quickstart.sh in the test suite)
// could read it missing or cut short. Here an unchanged manifest is not written, and a changed one is
// written beside its place and renamed over it. Run by `npm run build`, after scripts/bundle.mjs.
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Plugin} from '@oclif/core'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const FILE = path.join(ROOT, 'oclif.manifest.json')

// The options `oclif manifest` loads the plugin with: from its command files, failing on a broken one.
const plugin = new Plugin({
  errorOnManifestCreate: true,
  ignoreManifest: true,
  respectNoCacheDefault: true,
  root: ROOT,
  type: 'core',
})
await plugin.load()
// oclif loads the command files side by side and lists them in the order they finished loading: sorted,
// the same commands give the same file, which is then left alone.
const {commands, ...rest} = plugin.manifest
const sorted = Object.fromEntries(Object.entries(commands).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
const text = JSON.stringify({commands: sorted, ...rest}, null, 2)

let current
try {
  current = readFileSync(FILE, 'utf8')
} catch {
  current = undefined
}
if (current !== text) {
  const temporary = `${FILE}.${process.pid}.tmp`
  writeFileSync(temporary, text)
  renameSync(temporary, FILE)
}
console.log(`wrote manifest to ${FILE}`)
