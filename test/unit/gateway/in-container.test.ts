// Issue #15: the gateway image reads compose's secret files by default and finds its own container (to
// give server containers its networks).
import assert from 'node:assert/strict'
import {hostname} from 'node:os'
import {test} from 'node:test'

import {defaultSecretFiles, ownContainerRefs, shareableNetworks} from '../../../src/gateway/in-container.js'

test('secret files: on a host none; in the image those of /run/secrets/mcp_secret and /.env that exist', async () => {
  const all = async () => true
  assert.deepEqual(await defaultSecretFiles({}, all), [])
  assert.deepEqual(await defaultSecretFiles({DOCKER_MCP_IN_CONTAINER: '1'}, all), [
    '/run/secrets/mcp_secret',
    '/.env',
  ])
  const onlyEnv = async (f: string) => f === '/.env'
  assert.deepEqual(await defaultSecretFiles({DOCKER_MCP_IN_CONTAINER: '1'}, onlyEnv), ['/.env'])
  assert.deepEqual(await defaultSecretFiles({DOCKER_MCP_IN_CONTAINER: '1'}, async () => false), [])
})

test('own container: the env override, then the id in mountinfo, then the hostname', async () => {
  const id = 'a'.repeat(64)
  const mountinfo = async () =>
    `1 2 0:1 /var/lib/docker/containers/${id}/hostname /etc/hostname rw - ext4 /dev/sda rw\n`
  assert.deepEqual(await ownContainerRefs({}, mountinfo), [id, hostname()])
  assert.deepEqual(await ownContainerRefs({DOCKER_MCP_CONTAINER_ID: 'gw'}, mountinfo), ['gw', id, hostname()])
  assert.deepEqual(await ownContainerRefs({}, async () => ''), [hostname()])
})

test('networks to share: never host or none; stable order', () => {
  assert.deepEqual(shareableNetworks(['proj_front', 'host', 'proj_back', 'none', 'proj_back']), [
    'proj_back',
    'proj_front',
  ])
})

// Issue #20: a Swarm task whose service publishes a port (routing mesh) is on `ingress` too; attaching a
// server container to it fails ("network ingress not manually attachable"), so the server never started.
test("networks to share: never Swarm's ingress network", () => {
  assert.deepEqual(shareableNetworks(['ingress', 'mcp_mcp']), ['mcp_mcp'])
})
