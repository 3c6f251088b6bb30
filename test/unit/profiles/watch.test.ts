/** `gateway run --profile <id> --watch` reloads when the profile's file changes (it did not watch it). */
import assert from 'node:assert/strict'
import path from 'node:path'
import {test} from 'node:test'

import {createContext} from '../../../src/context.js'
import {watchTargets} from '../../../src/gateway/reload/watch.js'

test("hot reload watches the served profile's file", () => {
  const ctx = createContext({env: {HOME: '/h', DOCKER_CONFIG: '/h/.docker'}, root: '/r', cwd: '/h'})
  const targets = watchTargets(ctx, {profile: 'research'})
  const inProfiles = targets.get(path.join(ctx.paths.profilesDir))
  assert.ok(inProfiles, 'the profiles directory is watched')
  assert.equal(inProfiles('research.yaml'), true)
  assert.equal(inProfiles('other.yaml'), false)
  // default is registry.yaml, config.yaml and tools.yaml, watched as before; no profile file.
  assert.equal(watchTargets(ctx, {profile: 'default'}).get(ctx.paths.profilesDir), undefined)
})
