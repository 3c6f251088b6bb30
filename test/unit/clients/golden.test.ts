/**
 * Golden tests of the config edits, for every client in the table:
 * test/fixtures/clients/<client>/<case>/original → after-connect → after-disconnect.
 *
 * A case without `original` is a missing file. A case with `error` holds (part of) the message a broken
 * file must produce; such a file is never edited. `options.json` may set `{"platform": "win32", "env": {…}}`.
 * UPDATE_GOLDEN=1 rewrites the expected files (then read the diff!).
 *
 * Bugs these guard against: edits that re-format, re-order or drop what is not ours (comments, trailing
 * commas, indentation, CRLF, BOM, unicode), non-idempotent connects, disconnects that touch other
 * entries, and broken files being "repaired" into something else.
 */
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'

import {
  buildEntry,
  CLIENTS,
  configTarget,
  findClient,
  readServers,
  removeEntry,
  setEntry,
  type Platform,
} from '../../../src/clients/index.js'
import {FileFormatError} from '../../../src/errors.js'
import {ROOT} from '../../helpers/sandbox.js'

const FIXTURES = path.join(ROOT, 'test/fixtures/clients')
const UPDATE = process.env.UPDATE_GOLDEN === '1'

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined)

function golden(file: string, actual: string | undefined): void {
  if (UPDATE) {
    if (actual !== undefined) writeFileSync(file, actual)
    return
  }
  assert.equal(actual, read(file), `${path.relative(ROOT, file)} differs`)
}

const clientDirs = readdirSync(FIXTURES).filter((d) => statSync(path.join(FIXTURES, d)).isDirectory())

test('every client in the table has golden cases, including missing, empty, broken and other servers', () => {
  for (const def of CLIENTS) {
    assert.ok(clientDirs.includes(def.id), `no fixtures for ${def.id}`)
    const cases = readdirSync(path.join(FIXTURES, def.id))
    for (const required of ['missing', 'empty', 'broken', 'others'])
      assert.ok(cases.includes(required), `${def.id} has no "${required}" case`)
  }
})

for (const dir of clientDirs) {
  const def = findClient(dir)
  describe(`${dir} golden edits`, () => {
    for (const name of readdirSync(path.join(FIXTURES, dir)).sort()) {
      const caseDir = path.join(FIXTURES, dir, name)
      if (!statSync(caseDir).isDirectory()) continue
      test(name, () => {
        const file = `${dir}/${name}/original`
        const original = read(path.join(caseDir, 'original'))
        const options = JSON.parse(read(path.join(caseDir, 'options.json')) ?? '{}') as {
          platform?: Platform
          env?: Record<string, string>
        }
        const entry = buildEntry(def, {platform: options.platform ?? 'linux', env: options.env ?? {}})
        const target = configTarget(def)
        const expectedError = read(path.join(caseDir, 'error'))?.trim()
        if (expectedError !== undefined) {
          const check = (err: unknown) => {
            assert.ok(err instanceof FileFormatError, `expected a FileFormatError, got ${String(err)}`)
            assert.equal(err.message, expectedError)
            return true
          }
          assert.throws(() => setEntry(file, original, target, entry), check)
          // Disconnect refuses too, or (a container of the wrong type holds no entry of ours) changes nothing.
          try {
            assert.equal(removeEntry(file, original, target), original)
          } catch (err) {
            check(err)
          }
          return
        }

        const connected = setEntry(file, original, target, entry)
        golden(path.join(caseDir, 'after-connect'), connected)
        assert.equal(setEntry(file, connected, target, entry), connected, 'connect twice changes nothing')
        const ours = readServers(file, connected, target).filter((s) => s.name === target.name)
        assert.equal(ours.length, 1, 'exactly one entry of ours')
        assert.deepEqual(JSON.parse(JSON.stringify(ours[0]!.value)), entry)

        const others = (text: string | undefined) =>
          text === undefined
            ? []
            : readServers(file, text, target)
                .filter((s) => s.name !== target.name)
                .map((s) => JSON.stringify(s))
        assert.deepEqual(others(connected), others(original), 'other servers kept, in order')

        const disconnected = removeEntry(file, connected, target)
        golden(path.join(caseDir, 'after-disconnect'), disconnected)
        assert.equal(
          removeEntry(file, disconnected, target),
          disconnected,
          'disconnect twice changes nothing',
        )
        assert.deepEqual(others(disconnected), others(original), 'disconnect keeps the other servers')
        if (original !== undefined && !original.includes(target.name))
          assert.equal(
            removeEntry(file, original, target),
            original,
            'disconnect without our entry is a no-op',
          )
        if (def.format === 'json')
          for (const text of [connected, disconnected ?? ''])
            if (text.trim()) JSON.parse(text.replace(/^\uFEFF/, '')) // strict files stay strict JSON
        if (original?.startsWith('\uFEFF')) assert.ok(connected.startsWith('\uFEFF'), 'BOM kept')
        if (original?.includes('\r\n')) assert.ok(!/[^\r]\n/.test(connected), 'CRLF everywhere')
      })
    }
  })
}
