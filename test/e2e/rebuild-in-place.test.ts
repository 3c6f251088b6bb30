import assert from 'node:assert/strict'
import {readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'

import {ROOT, run, type RunResult} from '../helpers/sandbox.js'

// A rebuild beside running gateways and commands (quickstart.sh in the test suite, a developer's
// `npm run build`) must never let a starting process read a built file half-written. CI once saw a gateway,
// started while quickstart.sh rebuilt, load base-command's chunk without its exports (`handleError is not a
// function`): esbuild truncated and rewrote every output in place, even unchanged ones, and `oclif
// manifest` deleted the manifest before writing it again. Now an unchanged file is not touched, and a
// changed one is replaced by a rename (a new inode), never rewritten where it is.
const BUNDLE = path.join(ROOT, 'dist', 'bundle')
const MANIFEST = path.join(ROOT, 'oclif.manifest.json')

function builtFiles(): Map<string, {ino: number; mtimeMs: number}> {
  const files = new Map<string, {ino: number; mtimeMs: number}>()
  for (const entry of readdirSync(BUNDLE, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    const {ino, mtimeMs} = statSync(file)
    files.set(file, {ino, mtimeMs})
  }
  const {ino, mtimeMs} = statSync(MANIFEST)
  files.set(MANIFEST, {ino, mtimeMs})
  return files
}

const ok = (r: RunResult) =>
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)

async function rebuild(): Promise<void> {
  // The build's two steps that write what bin/run.js loads (tsc's output is only their input).
  ok(await run('node', [path.join(ROOT, 'scripts/bundle.mjs')], {timeoutMs: 120_000}))
  ok(await run('node', [path.join(ROOT, 'scripts/manifest.mjs')], {timeoutMs: 60_000}))
}

test('a rebuild with nothing changed touches no built file (same inode, same modification time)', async () => {
  const before = builtFiles()
  await rebuild()
  const after = builtFiles()
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort())
  const touched = [...before].filter(([file, stat]) => {
    const now = after.get(file)!
    return now.ino !== stat.ino || now.mtimeMs !== stat.mtimeMs
  })
  assert.deepEqual(
    touched.map(([file]) => path.relative(ROOT, file)),
    [],
  )
})

test('a changed output is renamed into place, a stale one removed, the manifest likewise', async () => {
  // A source map: nothing that runs reads it, so changing it cannot disturb the gateways beside this test.
  const map = readdirSync(BUNDLE).find((f) => f.endsWith('.js.map'))!
  const mapFile = path.join(BUNDLE, map)
  const built = readFileSync(mapFile, 'utf8')
  writeFileSync(mapFile, built + '\n')
  const stale = path.join(BUNDLE, 'chunk-STALE000.js')
  writeFileSync(stale, 'export {}\n')
  const manifest = readFileSync(MANIFEST, 'utf8')
  writeFileSync(MANIFEST, manifest + '\n')
  const before = builtFiles()
  try {
    await rebuild()
    assert.equal(readFileSync(mapFile, 'utf8'), built)
    assert.notEqual(statSync(mapFile).ino, before.get(mapFile)!.ino, 'rewritten in place, not renamed over')
    assert.equal(readFileSync(MANIFEST, 'utf8'), manifest)
    assert.notEqual(statSync(MANIFEST).ino, before.get(MANIFEST)!.ino, 'rewritten in place, not renamed over')
    assert.throws(() => statSync(stale), /ENOENT/)
    assert.deepEqual(
      readdirSync(ROOT).filter((f) => /\.\d+\.tmp$/.test(f)),
      [],
      'no temporary file left beside the manifest',
    )
  } finally {
    rmSync(stale, {force: true})
  }
})
