#!/usr/bin/env node
// Build the Docker images of the bundled MCP servers with the local image builder: no registry, no
// base image. Each server is bundled with esbuild (or installed from npm) into .tmp/images/<name>/,
// which becomes /app in the image. Unchanged inputs are a cache hit (a few milliseconds per image).
//
// Usage: node scripts/build-images.mjs [--test] [--gateway] [--only <name>]... [--stage]
//   (after `npm run build`: this imports the builder from dist/)
//   --stage: only install the npm packages of the selected images into their staging dirs (the gateway's
//            production dependencies too): needs no build of ours and no engine, so that scripts/test.sh
//            can do it while `npm run build` runs.
// Each image is staged and built under a lock (.tmp/images/<name>.lock): test files in parallel lanes
// build the gateway image at the same time (compose, swarm, journeys), from one staging dir.
//   always:  dice-mcp-server:latest       (catalogs/servers/dice)
//   --test:  docker-mcp-fixture:test      (test/fixtures/servers/fixture)
//            docker-mcp-everything:test   (@modelcontextprotocol/server-everything from npm)
//   --gateway: docker-mcp-gateway:local   (this project: the gateway as a container, see README)
// Progress goes to stderr, one line per image.
import {spawn} from 'node:child_process'
import {cp, mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {build} from 'esbuild'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const STAGING = path.join(ROOT, '.tmp/images')

// The reference server, pinned: it depends on the v1 SDK, which lives only in its own staging dir and
// image, never in our package.json.
const EVERYTHING_PACKAGE = '@modelcontextprotocol/server-everything'
const EVERYTHING_VERSION = '2026.8.31'

// DOCKER_MCP_TEST_TAG renames the test images (default `test`), so that several checkouts sharing one
// engine do not overwrite each other's fixture; test/helpers/gateway.ts reads the same variable.
const TEST_TAG = process.env.DOCKER_MCP_TEST_TAG || 'test'

// `gateway run --static`'s bridge, where the original's image has it: server containers get it from a volume
// the gateway image fills (see README, "Compose").
const BRIDGE_SOURCE = path.join(ROOT, 'src/gateway/static/docker-mcp-bridge.cjs')
const BRIDGE_TARGET = '/docker-mcp/misc/docker-mcp-bridge'

const IMAGES = [
  {
    name: 'dice',
    tag: 'dice-mcp-server:latest',
    test: false,
    bundle: 'catalogs/servers/dice/index.ts',
    labels: {
      'org.opencontainers.image.title': 'dice MCP server',
      'org.opencontainers.image.version': '1.0.0',
    },
  },
  {
    name: 'fixture',
    tag: `docker-mcp-fixture:${TEST_TAG}`,
    test: true,
    bundle: 'test/fixtures/servers/fixture/index.ts',
    labels: {'org.opencontainers.image.title': 'docker-mcp test fixture MCP server'},
  },
  {
    name: 'everything',
    tag: `docker-mcp-everything:${TEST_TAG}`,
    test: true,
    npm: {name: EVERYTHING_PACKAGE, version: EVERYTHING_VERSION},
    entry: `node_modules/${EVERYTHING_PACKAGE}/dist/index.js`,
    args: ['stdio'],
    labels: {
      'org.opencontainers.image.title': 'MCP reference server "everything"',
      'org.opencontainers.image.version': EVERYTHING_VERSION,
    },
  },
]

IMAGES.push({
  name: 'gateway',
  // DOCKER_MCP_GATEWAY_TAG: another tag, so a test's gateway image is not rebuilt under it by another checkout.
  tag: process.env.DOCKER_MCP_GATEWAY_TAG || 'docker-mcp-gateway:local',
  test: false,
  gateway: true,
  user: 'root',
  env: {DOCKER_MCP_IN_CONTAINER: '1', HOME: '/root', NODE_ENV: 'production'},
  args: ['--transport', 'streaming', '--port', '8811'],
  labels: {'org.opencontainers.image.title': 'docker-mcp gateway'},
})

const {values} = parseArgs({
  options: {
    test: {type: 'boolean', default: false},
    gateway: {type: 'boolean', default: false},
    only: {type: 'string', multiple: true},
    stage: {type: 'boolean', default: false},
  },
})
const selected = IMAGES.filter((image) =>
  values.only?.length
    ? values.only.includes(image.name)
    : image.gateway
      ? values.gateway
      : values.test || !image.test,
)
if (selected.length === 0)
  fail(`no image matches --only ${values.only?.join(', ')} (have: ${IMAGES.map((i) => i.name).join(', ')})`)

if (values.stage) {
  for (const image of selected) {
    const stagingDir = path.join(STAGING, image.name)
    if (image.npm) await locked(image, () => npmInstall(image, stagingDir))
    if (image.gateway) await locked(image, () => stageGatewayDependencies(stagingDir))
  }
  process.exit(0)
}

const {createDocker, pingDocker} = await import('../dist/src/docker/engine.js')
const {buildNodeImage} = await import('../dist/src/docker/local-image.js')
const {mcpPaths} = await import('../dist/src/paths.js')
const docker = createDocker(process.env, mcpPaths(process.env))
try {
  await pingDocker(docker)
} catch (err) {
  fail(err.message)
}

let failed = 0
for (const image of selected) {
  const started = performance.now()
  try {
    const stagingDir = path.join(STAGING, image.name)
    const result = await locked(image, async () => {
      const entry = image.gateway
        ? await stageGateway(stagingDir)
        : image.bundle
          ? await bundle(image, stagingDir)
          : await npmInstall(image, stagingDir)
      return buildNodeImage(docker, {
        tag: image.tag,
        appDir: stagingDir,
        entry,
        args: image.args,
        labels: image.labels,
        ...(image.user ? {user: image.user} : {}),
        ...(image.env ? {env: image.env} : {}),
        ...(image.gateway ? {extraFiles: [{target: BRIDGE_TARGET, source: BRIDGE_SOURCE}]} : {}),
        cacheDir: path.join(STAGING, '.digests'),
      })
    })
    const seconds = ((performance.now() - started) / 1000).toFixed(2)
    const what = result.cached ? `cached (${seconds}s)` : `built in ${seconds}s`
    process.stderr.write(`  ${image.tag.padEnd(28)} ${what}  ${result.id.slice(7, 19)}\n`)
  } catch (err) {
    failed++
    process.stderr.write(`  ${image.tag.padEnd(28)} FAILED: ${err.message}\n`)
  }
}
if (failed > 0) process.exit(1)

/** Bundle a TypeScript server into <staging>/index.mjs (one file: the image needs no node_modules). */
async function bundle(image, stagingDir) {
  await mkdir(stagingDir, {recursive: true})
  await build({
    entryPoints: [path.join(ROOT, image.bundle)],
    outfile: path.join(stagingDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    // CommonJS dependencies (ajv, ...) call require(); an ESM bundle has none unless we make one.
    banner: {
      js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'warning',
  })
  return 'index.mjs'
}

/** Install an npm package (production dependencies only) into <staging>/node_modules, unless already there. */
async function npmInstall(image, stagingDir) {
  const {name, version} = image.npm
  const manifest = path.join(stagingDir, 'node_modules', name, 'package.json')
  const installed = await readFile(manifest, 'utf8').then(
    (text) => JSON.parse(text).version,
    () => undefined,
  )
  if (installed !== version) {
    process.stderr.write(`  ${image.tag.padEnd(28)} npm install ${name}@${version}...\n`)
    await rm(stagingDir, {recursive: true, force: true})
    await mkdir(stagingDir, {recursive: true})
    await run('npm', [
      'install',
      '--prefix',
      stagingDir,
      '--no-save',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      `${name}@${version}`,
    ])
  }
  return image.entry
}

/** The gateway image's production dependencies in <staging>/node_modules: `npm ci` again only when the lock file changed. */
async function stageGatewayDependencies(stagingDir) {
  await mkdir(stagingDir, {recursive: true})
  const lock = await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')
  const stagedLock = await readFile(path.join(stagingDir, 'package-lock.json'), 'utf8').catch(() => '')
  await cp(path.join(ROOT, 'package.json'), path.join(stagingDir, 'package.json'))
  if (lock !== stagedLock) {
    process.stderr.write(`  docker-mcp-gateway           npm ci --omit=dev...\n`)
    await writeFile(path.join(stagingDir, 'package-lock.json'), lock)
    await rm(path.join(stagingDir, 'node_modules'), {recursive: true, force: true})
    await run('npm', [
      'ci',
      '--prefix',
      stagingDir,
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
    ]).catch(async (err) => {
      // No staged lock file, so that the next run installs again.
      await rm(path.join(stagingDir, 'package-lock.json'), {force: true})
      throw err
    })
  }
}

/**
 * Stage this project for the gateway image: the built CLI (bin, dist, manifest, shipped catalogs) and its
 * production dependencies. `npm ci` runs again only when the lock file changed.
 */
async function stageGateway(stagingDir) {
  await stageGatewayDependencies(stagingDir)
  for (const dir of ['bin', 'dist']) {
    await rm(path.join(stagingDir, dir), {recursive: true, force: true})
    await cp(path.join(ROOT, dir), path.join(stagingDir, dir), {recursive: true})
  }
  await cp(path.join(ROOT, 'oclif.manifest.json'), path.join(stagingDir, 'oclif.manifest.json'))
  await rm(path.join(stagingDir, 'catalogs'), {recursive: true, force: true})
  await mkdir(path.join(stagingDir, 'catalogs'), {recursive: true})
  await cp(path.join(ROOT, 'catalogs/docker-mcp.yaml'), path.join(stagingDir, 'catalogs/docker-mcp.yaml'))
  // The image's entry: `docker run <image> --transport sse …` means `docker-mcp gateway run --transport sse …`.
  await writeFile(
    path.join(stagingDir, 'gateway.mjs'),
    "process.argv.splice(2, 0, 'gateway', 'run')\nawait import('./bin/run.js')\n",
  )
  return 'gateway.mjs'
}

/**
 * Run `fn` holding the image's lock, a directory .tmp/images/<name>.lock with the holder's pid: a staging
 * dir is rewritten in place, so one builder at a time. A lock whose holder died is taken over.
 */
async function locked(image, fn) {
  const dir = path.join(STAGING, `${image.name}.lock`)
  await mkdir(STAGING, {recursive: true})
  const deadline = Date.now() + 900_000
  for (;;) {
    try {
      await mkdir(dir)
      await writeFile(path.join(dir, 'pid'), `${process.pid}\n`)
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
    }
    const pid = Number(await readFile(path.join(dir, 'pid'), 'utf8').catch(() => ''))
    const age = await stat(dir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    )
    if ((pid > 0 && !alive(pid)) || (!pid && age > 60_000)) {
      await rm(dir, {recursive: true, force: true})
      continue
    }
    if (Date.now() > deadline) fail(`timed out waiting for ${dir} (pid ${pid || '?'})`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  try {
    return await fn()
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT})
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`)),
    )
  })
}

function fail(message) {
  process.stderr.write(`build-images: ${message}\n`)
  process.exit(1)
}
