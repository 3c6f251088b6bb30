import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {
  applyHostPolicy,
  checkUser,
  checkVolume,
  HostPolicyError,
  isRootUser,
  parsePathList,
  parseVolume,
  type BindPolicy,
} from '../../../src/docker/bind-policy.js'
import {hostBindPolicy, realpathOfExisting} from '../../../src/docker/host-policy.js'
import {mcpPaths} from '../../../src/paths.js'

// Guards against: a catalog entry mounting the Docker socket, /, /etc or ~/.ssh, or running as root, and
// host binds mounted writable (issue #12, host protection).

/** Symlinks of this fake host, for the resolve hook. */
const links: Record<string, string> = {
  '/tmp/innocent': '/etc',
  '/tmp/sock': '/var/run/docker.sock',
  '/var/run': '/run',
  '/srv/home-link': '/home/alice/.ssh',
}
function fakeResolve(p: string): string {
  for (const [from, to] of Object.entries(links)) {
    if (p === from || p.startsWith(`${from}/`)) return fakeResolve(to + p.slice(from.length))
  }
  return p
}

const policy = (over: Partial<BindPolicy> = {}): BindPolicy => ({
  writablePaths: [],
  tempDirs: ['/tmp', '/var/tmp'],
  dockerSockets: ['/home/alice/.docker/run/docker.sock'],
  home: '/home/alice',
  allowRoot: false,
  resolve: fakeResolve,
  ...over,
})

// [volume, expected rule (refused) or the bind passed to the engine (allowed)]
const cases: Array<[string, {rule: string} | {bind: string}, Partial<BindPolicy>?]> = [
  // The attack of the issue.
  ['/var/run/docker.sock:/var/run/docker.sock', {rule: 'docker-socket'}],
  ['/run/docker.sock:/docker.sock:ro', {rule: 'docker-socket'}],
  ['/:/host', {rule: 'system-path'}],
  ['/:/host:ro', {rule: 'system-path'}],
  // System directories, below them, and their parents.
  ['/etc:/etc', {rule: 'system-path'}],
  ['/etc/shadow:/shadow:ro', {rule: 'system-path'}],
  ['/root:/r', {rule: 'system-path'}],
  ['/proc:/p', {rule: 'system-path'}],
  ['/sys/kernel:/k', {rule: 'system-path'}],
  ['/dev:/dev', {rule: 'system-path'}],
  ['/boot:/boot', {rule: 'system-path'}],
  ['/var/lib/docker:/d', {rule: 'system-path'}],
  ['/var:/var', {rule: 'docker-socket'}],
  ['/var/lib:/l', {rule: 'system-path'}],
  // `..` and symlinks are resolved before the check.
  ['/tmp/../etc:/x', {rule: 'system-path'}],
  ['/tmp/innocent:/x', {rule: 'system-path'}],
  ['/tmp/innocent/passwd:/x:ro', {rule: 'system-path'}],
  ['/tmp/sock:/var/run/docker.sock', {rule: 'docker-socket'}],
  ['/srv/home-link:/keys', {rule: 'credentials'}],
  // The engine's own socket, wherever the docker context puts it (it is also under .docker).
  ['/home/alice/.docker/run/docker.sock:/s', {rule: 'docker-socket'}],
  // Credential directories anywhere in the path.
  ['/home/alice/.ssh:/ssh', {rule: 'credentials'}],
  ['/srv/backup/.aws/credentials:/c', {rule: 'credentials'}],
  ['/home/alice/.kube:/k', {rule: 'credentials'}],
  ['/home/alice/.gnupg:/g', {rule: 'credentials'}],
  ['/home/alice/.config/gcloud:/g', {rule: 'credentials'}],
  ['/home/alice/.azure:/a', {rule: 'credentials'}],
  ['/Users/alice/Library/Keychains:/k', {rule: 'credentials'}],
  ['/home/alice/.local/share/keyrings:/k', {rule: 'credentials'}],
  ['/home/alice/.password-store:/p', {rule: 'credentials'}],
  ['/home/alice/.netrc:/n', {rule: 'credentials'}],
  ['/home/alice/.npmrc:/n', {rule: 'credentials'}],
  ['/data/keys/id_rsa:/id', {rule: 'credentials'}],
  // The home directory and its parents contain all of the above.
  ['/home/alice:/home', {rule: 'home-directory'}],
  ['/home:/home', {rule: 'home-directory'}],
  // Not a path Docker understands (relative, ~, flags): refused rather than guessed.
  ['~/projects:/p', {rule: 'invalid'}],
  ['../x:/x', {rule: 'invalid'}],
  ['/a:relative', {rule: 'invalid'}],
  // Allowed: forced read-only, source resolved.
  ['/home/alice/projects/site:/site', {bind: '/home/alice/projects/site:/site:ro'}],
  ['/srv/data:/data:rw', {bind: '/srv/data:/data:ro'}],
  ['/srv/data:/data:rw,z', {bind: '/srv/data:/data:z,ro'}],
  ['/tmp/work:/work', {bind: '/tmp/work:/work:ro'}],
  ['/var/run/../tmp/x:/x', {bind: '/var/tmp/x:/x:ro'}],
  // Named and anonymous volumes hold nothing of the host.
  ['cache:/cache', {bind: 'cache:/cache'}],
  ['my-vol.1:/data:ro', {bind: 'my-vol.1:/data:ro'}],
  ['/scratch', {bind: '/scratch'}],
  // The writable allowlist keeps a bind writable (and implies allowed); a read-only request stays so.
  ['/srv/out/run1:/out', {bind: '/srv/out/run1:/out'}, {writablePaths: ['/srv/out']}],
  ['/srv/out:/out:ro', {bind: '/srv/out:/out:ro'}, {writablePaths: ['/srv/out']}],
  ['/srv/outside:/o', {bind: '/srv/outside:/o:ro'}, {writablePaths: ['/srv/out']}],
  // Deny rules win over the allowlists.
  ['/etc:/etc', {rule: 'system-path'}, {allowedPaths: ['/'], writablePaths: ['/etc']}],
  ['/home/alice/.ssh:/s', {rule: 'credentials'}, {writablePaths: ['/home/alice']}],
  // With MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS set, only those paths and temp dirs.
  ['/srv/data:/data', {rule: 'not-allowed'}, {allowedPaths: ['/work']}],
  ['/work/a:/a', {bind: '/work/a:/a:ro'}, {allowedPaths: ['/work']}],
  ['/workshop:/a', {rule: 'not-allowed'}, {allowedPaths: ['/work']}],
  ['/tmp/x:/x', {bind: '/tmp/x:/x:ro'}, {allowedPaths: ['/work']}],
  ['/srv/out/x:/x', {bind: '/srv/out/x:/x'}, {allowedPaths: ['/work'], writablePaths: ['/srv/out']}],
]

for (const [volume, expected, over] of cases) {
  test(`bind policy: ${volume}${over ? ` with ${JSON.stringify(over)}` : ''} → ${JSON.stringify(expected)}`, () => {
    const verdict = checkVolume(volume, policy(over))
    if ('rule' in expected) {
      assert.equal(verdict.ok, false, `expected a refusal, got ${JSON.stringify(verdict)}`)
      if (!verdict.ok) {
        assert.equal(verdict.rule, expected.rule, verdict.detail)
        assert.ok(verdict.allow.length > 0)
      }
    } else {
      assert.equal(verdict.ok, true, JSON.stringify(verdict))
      if (verdict.ok) assert.equal(verdict.bind, expected.bind)
    }
  })
}

test('parseVolume tells binds, named and anonymous volumes apart', () => {
  assert.deepEqual(parseVolume('/a:/b:ro,z'), {
    kind: 'bind',
    source: '/a',
    target: '/b',
    options: ['ro', 'z'],
  })
  assert.equal(parseVolume('vol:/b').kind, 'volume')
  assert.equal(parseVolume('/b').kind, 'anonymous')
  assert.equal(parseVolume('C:\\x:/b').kind, 'invalid')
})

test('root users are recognised in every spelling', () => {
  for (const u of ['0', 'root', '0:0', 'root:root', '0:1000', '00', ' 0']) assert.ok(isRootUser(u), u)
  for (const u of [undefined, '', '1000', '1000:0', 'node', 'rooter', '10'])
    assert.ok(!isRootUser(u), String(u))
  assert.equal(checkUser('0', {allowRoot: false})?.rule, 'root-user')
  assert.equal(checkUser('0', {allowRoot: true}), undefined)
})

test('the error names the server, the volume, the rule and how to allow it', () => {
  assert.throws(
    () => applyHostPolicy('evil', ['/srv/ok:/ok', '/:/host'], '1000', policy()),
    (err: unknown) => {
      assert.ok(err instanceof HostPolicyError)
      assert.match(err.message, /server "evil"/)
      assert.match(err.message, /volume "\/:\/host"/)
      assert.match(err.message, /rule "system-path"/)
      assert.match(err.message, /To allow it: /)
      return true
    },
  )
  assert.throws(
    () => applyHostPolicy('evil', [], 'root', policy()),
    /user "root".*root-user.*--allow-root-containers/,
  )
  assert.deepEqual(applyHostPolicy('ok', ['/srv/a:/a', 'v:/v'], '0', policy({allowRoot: true})), [
    '/srv/a:/a:ro',
    'v:/v',
  ])
})

test('path lists split on the OS delimiter and commas, like the original', () => {
  assert.deepEqual(parsePathList('/a:/b,/c/../d', ':'), ['/a', '/b', '/d'])
  assert.equal(parsePathList('', ':'), undefined)
  assert.equal(parsePathList(undefined, ':'), undefined)
})

let dir: string
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bind-policy-'))
  await mkdir(path.join(dir, 'real'))
  await symlink('/etc', path.join(dir, 'to-etc'))
  await symlink(path.join(dir, 'real'), path.join(dir, 'to-real'))
})
after(async () => rm(dir, {recursive: true, force: true}))

test('realpathOfExisting resolves the existing part of a path on this machine', async () => {
  const real = realpathOfExisting(dir)
  assert.equal(realpathOfExisting(path.join(dir, 'to-etc', 'passwd')), '/etc/passwd')
  assert.equal(
    realpathOfExisting(path.join(dir, 'to-real', 'not', 'yet')),
    path.join(real, 'real', 'not', 'yet'),
  )
  assert.equal(realpathOfExisting(path.join(dir, 'real', '..', 'to-etc')), '/etc')
})

test('the host policy reads the env vars and refuses a real symlink to /etc under the temp dir', () => {
  const env = {
    HOME: path.join(dir, 'home'),
    MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS: `/work${path.delimiter}/data,/more`,
    MCP_GATEWAY_DOCKER_BIND_ALLOW_WRITABLE_PATHS: dir,
    MCP_GATEWAY_ALLOW_ROOT_CONTAINERS: '1',
    DOCKER_HOST: 'unix:///custom/docker.sock',
  }
  const p = hostBindPolicy(env, mcpPaths(env))
  assert.deepEqual(p.allowedPaths, ['/work', '/data', '/more'])
  assert.ok(p.allowRoot)
  assert.ok(p.dockerSockets.includes('/custom/docker.sock'))
  const verdict = checkVolume(`${path.join(dir, 'to-etc')}:/x`, p)
  assert.equal(verdict.ok, false)
  assert.equal(!verdict.ok && verdict.rule, 'system-path')
  assert.equal(checkVolume('/custom/docker.sock:/s', p).ok, false)
  // Under the writable allowlist: stays writable.
  const writable = checkVolume(`${path.join(dir, 'real')}:/w`, p)
  assert.ok(writable.ok && !writable.readOnly && !writable.bind.endsWith(':ro'), JSON.stringify(writable))
  assert.equal(hostBindPolicy({HOME: '/h'}, mcpPaths({HOME: '/h'})).allowRoot, false)
  // Only a yes opts in to root containers: "0", "false" or an empty value do not.
  for (const value of ['0', 'false', '', 'no']) {
    const off = {HOME: '/h', MCP_GATEWAY_ALLOW_ROOT_CONTAINERS: value}
    assert.equal(hostBindPolicy(off, mcpPaths(off)).allowRoot, false, value)
  }
})
