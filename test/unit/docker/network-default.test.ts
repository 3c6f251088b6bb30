// Issue #15: servers whose entry declares no network get one (the original's default); the user restores
// the strict "none unless declared" posture with --network-default none or the strict-network feature.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'

import {resolveNetworkDefault, strictNetworkFeature} from '../../../src/docker/network-default.js'
import {serverNetworkCheck} from '../../../src/doctor/index.js'

const dir = await mkdtemp(path.join(tmpdir(), 'network-default-'))
after(() => rm(dir, {recursive: true, force: true}))
const paths = (text?: string) => {
  const dockerConfigFile = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`)
  return text === undefined
    ? {dockerConfigFile}
    : writeFile(dockerConfigFile, text).then(() => ({dockerConfigFile}))
}

test('no config.json, no features, or the feature disabled: not strict', async () => {
  assert.equal(await strictNetworkFeature(await paths()), false)
  assert.equal(await strictNetworkFeature(await paths('')), false)
  assert.equal(await strictNetworkFeature(await paths('{"auths": {}}')), false)
  assert.equal(await strictNetworkFeature(await paths('{"features": {"strict-network": "disabled"}}')), false)
})

test('the strict-network feature enabled: strict, unless the flag says otherwise', async () => {
  const on = await paths('{"features": {"strict-network": "enabled", "dynamic-tools": "disabled"}}')
  assert.equal(await strictNetworkFeature(on), true)
  assert.deepEqual(await resolveNetworkDefault(on, undefined), {strict: true, source: 'config'})
  assert.deepEqual(await resolveNetworkDefault(on, 'bridge'), {strict: false, source: 'flag'})
  const off = await paths('{}')
  assert.deepEqual(await resolveNetworkDefault(off, undefined), {strict: false, source: 'default'})
  assert.deepEqual(await resolveNetworkDefault(off, 'none'), {strict: true, source: 'flag'})
})

test('a broken config.json or feature value is an error naming the file, not a silent default', async () => {
  const broken = await paths('{"features": ')
  await assert.rejects(strictNetworkFeature(broken), (err: Error) =>
    err.message.startsWith(broken.dockerConfigFile),
  )
  const odd = await paths('{"features": {"strict-network": "maybe"}}')
  await assert.rejects(strictNetworkFeature(odd), /features\.strict-network: "maybe"/)
  await assert.rejects(
    strictNetworkFeature(await paths('{"features": []}')),
    /"features" should be an object/,
  )
})

test('doctor: a server whose network differs from what it declares is a warning', () => {
  assert.equal(serverNetworkCheck('fetch', {}, {strict: true})?.status, 'warn')
  assert.match(
    serverNetworkCheck('fetch', {}, {strict: true})!.message,
    /declares no network .* gives it none/,
  )
  assert.equal(serverNetworkCheck('fetch', {}, {strict: false})?.status, 'ok')
  const hosts = serverNetworkCheck('gh', {allowHosts: ['api.github.com:443']}, {strict: false})
  assert.equal(hosts?.status, 'warn')
  assert.match(hosts!.message, /allowHosts \(api\.github\.com:443\) but gets an unfiltered network/)
  assert.equal(serverNetworkCheck('off', {disableNetwork: true}, {strict: false}), undefined)
  assert.equal(serverNetworkCheck('on', {disableNetwork: false}, {strict: true}), undefined)
})
