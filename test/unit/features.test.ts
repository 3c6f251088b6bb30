// config.json's features are parsed once per version of the file (a gateway start asks several times);
// any change to the file, even one of the same size, is seen by the next read.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'

import {readFeatureMap} from '../../src/features/index.js'
import {writeFileAtomic} from '../../src/fs/atomic.js'

const dir = await mkdtemp(path.join(tmpdir(), 'features-'))
after(() => rm(dir, {recursive: true, force: true}))

test('a rewrite of config.json is seen, in place (same size) or atomic; callers get their own copy', async () => {
  const file = path.join(dir, 'config.json')
  assert.deepEqual(await readFeatureMap(file), {})
  await writeFile(file, '{"features": {"a": "enabled-x"}}')
  const first = await readFeatureMap(file)
  assert.deepEqual(first, {a: 'enabled-x'})
  first.a = 'mutated'
  assert.deepEqual(
    await readFeatureMap(file),
    {a: 'enabled-x'},
    'a caller changing its map changes nobody else',
  )
  await new Promise((r) => setTimeout(r, 5))
  await writeFile(file, '{"features": {"a": "enabled-y"}}')
  assert.deepEqual(await readFeatureMap(file), {a: 'enabled-y'})
  await writeFileAtomic(file, '{"features": {"a": "disabled"}}')
  assert.deepEqual(await readFeatureMap(file), {a: 'disabled'})
  await rm(file)
  assert.deepEqual(await readFeatureMap(file), {})
})

test('a broken file throws every time, and a fixed one reads', async () => {
  const file = path.join(dir, 'broken.json')
  await writeFile(file, '{"features": ')
  await assert.rejects(readFeatureMap(file))
  await assert.rejects(readFeatureMap(file))
  await writeFile(file, '{"features": {"b": "enabled"}}')
  assert.deepEqual(await readFeatureMap(file), {b: 'enabled'})
})
