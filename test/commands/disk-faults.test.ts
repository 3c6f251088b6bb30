// A full disk and a read-only ~/.docker/mcp, for real: a 64 KiB tmpfs (needs root, as in CI and the dev
// container) and a 0555 directory written by an unprivileged user (root ignores permission bits).
// Guards against: raw `ENOSPC: no space left on device, open '.../.registry.yaml.7173.tmp'` errors that
// name our temp file instead of the user's, and temp, lock and backup files left behind on every failure.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmod, chown, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, run, RUN_JS, type Sandbox} from '../helpers/sandbox.js'

const isRoot = process.getuid?.() === 0
const NOBODY = 65534

/** Every file under `dir`, relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

/** Leftovers of a failed write: our temp files, lock files, half-written client-config backups. */
const leftovers = (files: string[]) => files.filter((f) => /\.tmp$|\.lock$|\.bak|backup/.test(f))

function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {stdio: 'pipe'})
    return true
  } catch {
    return false
  }
}

describe(
  'a full disk, then a read-only file system (64 KiB tmpfs as HOME)',
  {skip: !isRoot && 'needs root to mount a tmpfs'},
  () => {
    let sandbox: Sandbox
    let mounted = false
    const cli = (args: string[]) =>
      run(process.execPath, [RUN_JS, ...args], {
        env: {...sandbox.env, OCLIF_COLUMNS: '1000'},
        cwd: sandbox.home,
      })

    before(async () => {
      sandbox = await makeSandbox()
      mounted = mountTmpfs(sandbox.home, '64k')
      await mkdir(sandbox.dockerConfig, {recursive: true})
      await mkdir(path.join(sandbox.home, '.cursor'))
    })
    after(async () => {
      if (mounted) execFileSync('umount', [sandbox.home])
      await sandbox.cleanup()
    })

    test('full: the error names registry.yaml and says to free space; nothing is left behind', async (t) => {
      if (!mounted) return t.skip('mount -t tmpfs failed')
      const added = await cli(['server', 'add', 'dice'])
      assert.equal(added.code, 0, added.stderr)
      const connected = await cli(['client', 'connect', 'cursor', '--global'])
      assert.equal(connected.code, 0, connected.stderr)
      const before = await listFiles(sandbox.home)
      // Fill the disk: one byte at a time would be slow; a big write stops at the last free block.
      await writeFile(path.join(sandbox.home, 'filler'), Buffer.alloc(128 * 1024)).catch(() => undefined)
      const registry = path.join(sandbox.dockerConfig, 'mcp', 'registry.yaml')

      const r = await cli(['server', 'add', 'fetch'])
      assert.equal(r.code, 1)
      assert.equal(r.stdout, '')
      assert.match(
        r.stderr,
        new RegExp(
          `cannot write ${registry}: no space left on the disk that holds ${path.dirname(registry)}; it was left unchanged`,
        ),
      )
      assert.match(r.stderr, /Free some space \(df -h .*\), then run the command again/)
      assert.doesNotMatch(r.stderr, /ENOSPC|\.tmp/)
      assert.equal(await readFile(registry, 'utf8'), 'registry:\n  dice:\n    ref: ""\n')

      // A client config outside ~/.docker/mcp (the one `client connect` wrote): the same, and neither a temp
      // file nor a half-written backup stays in ~/.cursor.
      const cursor = path.join(sandbox.home, '.cursor', 'mcp.json')
      const c = await cli(['client', 'disconnect', 'cursor', '--global'])
      assert.equal(c.code, 1)
      assert.match(c.stderr, new RegExp(`cannot write ${cursor}: no space left on the disk`))
      assert.doesNotMatch(c.stderr, /ENOSPC|\.tmp/)
      assert.match(await readFile(cursor, 'utf8'), /MCP_DOCKER/)
      assert.deepEqual(leftovers(await listFiles(sandbox.home)), leftovers([...before, 'filler']))
    })

    test('read-only file system: the error says so and names the file', async (t) => {
      if (!mounted) return t.skip('mount -t tmpfs failed')
      execFileSync('mount', ['-o', 'remount,ro', sandbox.home])
      try {
        const r = await cli(['server', 'add', 'time'])
        assert.equal(r.code, 1)
        const registry = path.join(sandbox.dockerConfig, 'mcp', 'registry.yaml')
        assert.match(
          r.stderr,
          new RegExp(`cannot write ${registry}: .* is on a read-only file system; it was left unchanged`),
        )
        assert.match(r.stderr, /Remount it read-write, or point DOCKER_CONFIG at a writable directory/)
        assert.doesNotMatch(r.stderr, /EROFS/)
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', sandbox.home])
      }
    })
  },
)

describe(
  'a read-only ~/.docker/mcp (0555) for an ordinary user',
  {skip: !isRoot && 'needs root to switch to an unprivileged user'},
  () => {
    let sandbox: Sandbox
    let mcp: string
    // setpriv: run the CLI as "nobody", for whom the 0555 directory really is read-only.
    const cli = (args: string[]) =>
      run(
        'setpriv',
        [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, RUN_JS, ...args],
        {env: {...sandbox.env, OCLIF_COLUMNS: '1000'}, cwd: sandbox.home},
      )

    before(async () => {
      sandbox = await makeSandbox()
      mcp = path.join(sandbox.dockerConfig, 'mcp')
      await mkdir(mcp, {recursive: true})
      execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, sandbox.home])
    })
    after(() => sandbox.cleanup())

    test('permission denied names registry.yaml and the directory, with what to do; no temp or lock file', async () => {
      const added = await cli(['server', 'add', 'dice'])
      assert.equal(added.code, 0, added.stderr)
      await chmod(mcp, 0o555)
      await chown(mcp, NOBODY, NOBODY)
      const r = await cli(['server', 'add', 'fetch'])
      assert.equal(r.code, 1)
      assert.equal(r.stdout, '')
      const registry = path.join(mcp, 'registry.yaml')
      assert.match(
        r.stderr,
        new RegExp(`cannot write ${registry}: permission denied on ${mcp}; it was left unchanged`),
      )
      assert.match(r.stderr, new RegExp(`ls -ld ${mcp}`))
      assert.doesNotMatch(r.stderr, /EACCES/)
      assert.deepEqual(leftovers(await listFiles(mcp)), [])
      assert.equal(await readFile(registry, 'utf8'), 'registry:\n  dice:\n    ref: ""\n')
    })
  },
)
