#!/usr/bin/env node
// Build the single executable `dist/docker-mcp` (`docker-mcp.exe` on Windows), the way Docker ships its
// plugin: one file to drop into ~/.docker/cli-plugins/. It is Node's "single executable application":
// a copy of this node binary with our code injected (postject) as one CommonJS script, plus assets for
// what the code reads from disk (package.json, oclif.manifest.json, the shipped catalogs) and the
// keychain's native module, which cannot be loaded from memory (src/single-file/runtime.ts).
//
// Needs `npm run build` first (`npm run build:binary` runs both). Cached: nothing is rebuilt when the
// hash of every input matches the one recorded beside the executable (`--force` rebuilds anyway).
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import vm from 'node:vm'

import {leanNames} from './lib/lean-names.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST = path.join(ROOT, 'dist')
const WORK = path.join(DIST, 'single-file')
const EXE = path.join(DIST, process.platform === 'win32' ? 'docker-mcp.exe' : 'docker-mcp')
const STAMP = `${EXE}.inputs`
// The fuse node looks for to know a blob was injected (Node's documentation, "single-executable-applications").
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const require = createRequire(import.meta.url)

function files(dir, keep = () => true) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {withFileTypes: true})
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), keep) : [path.join(dir, e.name)]))
    .filter(keep)
    .sort()
}

/** The keychain's native module for this platform, as @napi-rs/keyring's own loader finds it. */
function keyringBinary() {
  const pkgDir = path.dirname(require.resolve('@napi-rs/keyring/package.json'))
  const local = files(pkgDir, (f) => f.endsWith('.node'))
  if (local.length) return local[0]
  const {optionalDependencies = {}} = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  for (const name of Object.keys(optionalDependencies)) {
    let dir
    try {
      dir = path.dirname(require.resolve(`${name}/package.json`, {paths: [pkgDir]}))
    } catch {
      continue
    }
    const found = files(dir, (f) => f.endsWith('.node'))
    if (found.length) return found[0]
  }
  throw new Error('no native module of @napi-rs/keyring is installed for this platform')
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

const manifestFile = path.join(ROOT, 'oclif.manifest.json')
if (!existsSync(path.join(DIST, 'src/cli/single-file.js')) || !existsSync(manifestFile)) {
  console.error('dist/ is not built: run `npm run build` first (or `npm run build:binary`).')
  process.exit(1)
}
const keyringFile = keyringBinary()
// Code mode's QuickJS WebAssembly: an asset, handed to the engine as bytes (src/single-file/quickjs-wasm.ts).
const quickjsWasmFile = require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')
// sql.js's SQLite WebAssembly (profile import-db): an asset too (src/single-file/sqlite-wasm.ts).
const sqliteWasmFile = require.resolve('sql.js/dist/sql-wasm.wasm')
// `oclif manifest` lists the commands in whatever order its file search returned them: sorted here, so
// that an unchanged build hashes the same (and the cache holds).
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'))
manifest.commands = Object.fromEntries(
  Object.entries(manifest.commands).sort(([a], [b]) => a.localeCompare(b)),
)
const manifestText = JSON.stringify(manifest)
const catalogFiles = files(path.join(ROOT, 'catalogs'), (f) => !f.endsWith('.ts'))
const inputs = [
  ...files(path.join(DIST, 'src'), (f) => f.endsWith('.js')),
  ...files(path.join(DIST, 'commands'), (f) => f.endsWith('.js')),
  ...catalogFiles,
  path.join(ROOT, 'package.json'),
  path.join(ROOT, 'package-lock.json'),
  fileURLToPath(import.meta.url),
  keyringFile,
  quickjsWasmFile,
  sqliteWasmFile,
]
const inputHash = createHash('sha256')
for (const f of inputs)
  inputHash.update(path.relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0')
inputHash.update(manifestText)
// The executable is a copy of this node: another node, another executable.
const node = statSync(process.execPath)
inputHash.update(`${process.execPath}\0${process.version}\0${node.size}\0${node.mtimeMs}`)
const stamp = inputHash.digest('hex')

if (
  !process.argv.includes('--force') &&
  existsSync(EXE) &&
  existsSync(STAMP) &&
  readFileSync(STAMP, 'utf8') === stamp
) {
  console.error(`${path.relative(process.cwd(), EXE)} is up to date`)
  process.exit(0)
}

rmSync(WORK, {recursive: true, force: true})
mkdirSync(WORK, {recursive: true})

// One loader per command, imported on demand: a command loads only its own code.
const loaders = Object.keys(manifest.commands)
  .sort()
  .map(
    (id) =>
      `  ${JSON.stringify(id)}: () => import(${JSON.stringify(`../commands/${id.split(':').join('/')}.js`)}),`,
  )
writeFileSync(
  path.join(WORK, 'entry.js'),
  `import {main} from '../src/cli/single-file.js'\nvoid main({\n${loaders.join('\n')}\n})\n`,
)

const {build} = await import('esbuild')
/** What every script of the executable is built as: one CommonJS file for this node, whitespace-minified. */
const SCRIPT_BUILD = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
}
const singleFileModule = (name) => path.join(DIST, 'src/single-file', name)
await build({
  entryPoints: [path.join(WORK, 'entry.js')],
  outfile: path.join(WORK, 'main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // jsonc-parser's UMD build (its "main") loads its parts with a require() a bundler cannot follow.
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  // Development-time loaders oclif tries (in a try/catch) for TypeScript plugins: never in a release.
  external: ['typescript', 'ts-node', 'source-map-support'],
  logLevel: 'warning',
  plugins: [
    {
      name: 'single-file',
      setup(b) {
        // The keychain binding comes from the verified copy of the native module (runtime.ts).
        b.onResolve({filter: /^@napi-rs\/keyring$/}, () => ({path: singleFileModule('keyring.js')}))
        // Packages the code require()s lazily from node_modules come from the bundle.
        b.onResolve({filter: /\/lazy-require\.js$/}, (args) =>
          args.importer.includes(`${path.sep}single-file${path.sep}`)
            ? undefined
            : {path: singleFileModule('lazy-require.js')},
        )
        // QuickJS's WebAssembly comes from an asset; its loader's CommonJS build (the ES one needs
        // import.meta.url, which a CommonJS bundle has not) then never looks for the file.
        // Code mode's worker thread: its own bundle, carried as an asset (src/single-file/codemode-worker.ts).
        b.onResolve({filter: /^\.\/worker-source\.js$/}, (args) =>
          args.importer.includes(`${path.sep}codemode${path.sep}`)
            ? {path: singleFileModule('codemode-worker.js')}
            : undefined,
        )
        b.onResolve({filter: /^\.\/wasm\.js$/}, (args) =>
          args.importer.includes(`${path.sep}codemode${path.sep}`)
            ? {path: singleFileModule('quickjs-wasm.js')}
            : undefined,
        )
        // sql.js's WebAssembly comes from an asset too.
        b.onResolve({filter: /^\.\/sqlite-wasm\.js$/}, (args) =>
          args.importer.includes(`${path.sep}profiles${path.sep}`)
            ? {path: singleFileModule('sqlite-wasm.js')}
            : undefined,
        )
        b.onResolve({filter: /^@jitl\/quickjs-wasmfile-release-sync\/emscripten-module$/}, () => ({
          path: require.resolve('@jitl/quickjs-wasmfile-release-sync/emscripten-module'),
        }))
        // Optional native add-ons of ssh2 (docker-modem's ssh:// transport), each required in a try/catch
        // with a JavaScript fallback: left out, they fail to load and the fallback is used. Not as an
        // external require(): the executable's require() prints a warning for any module not built into
        // node, on stderr of every gateway that reaches the engine.
        b.onResolve({filter: /\.node$/}, (args) => ({path: args.path, namespace: 'absent-addon'}))
        b.onLoad({filter: /.*/, namespace: 'absent-addon'}, (args) => ({
          contents: `throw Object.assign(new Error(${JSON.stringify(`${path.basename(args.path)} is not in docker-mcp`)}), {code: 'MODULE_NOT_FOUND'})`,
          loader: 'js',
        }))
        // dockerode's BuildKit session pulls in gRPC for a call we never make (src/docker/engine.ts).
        b.onResolve({filter: /^\.\/session$/}, (args) =>
          args.importer.includes(`${path.sep}dockerode${path.sep}`)
            ? {path: 'session', namespace: 'stub'}
            : undefined,
        )
        b.onLoad({filter: /.*/, namespace: 'stub'}, () => ({
          contents:
            "module.exports = (_d, _a, cb) => cb(new Error('BuildKit sessions are not supported by docker-mcp'))",
          loader: 'js',
        }))
      },
    },
  ],
})

leanNames([path.join(WORK, 'main.cjs')])
// ASCII only: one character above U+00FF (esbuild escapes strings and templates, not regular expressions:
// oclif's `›`) made the whole 5.5 MB a two-byte string, slower to decode and to compile on every start.
// In a regular expression, as in a string, `\uXXXX` stands for the same character.
writeFileSync(
  path.join(WORK, 'main.cjs'),
  readFileSync(path.join(WORK, 'main.cjs'), 'utf8').replace(
    // eslint-disable-next-line no-control-regex -- every character above ASCII, none below
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  ),
)

// The SEA's main script is a small one (src/single-file/sea-main.ts): docker's metadata probe, which comes
// before every `docker mcp …`, is answered without compiling main.cjs; main.cjs is an asset, with V8's code
// for it made here by this node, the one the executable is a copy of.
await build({
  entryPoints: [path.join(DIST, 'src/single-file/sea-main.js')],
  outfile: path.join(WORK, 'sea-main.cjs'),
  ...SCRIPT_BUILD,
})
{
  const {wrapMainScript, MAIN_FILENAME} = await import(
    pathToFileURL(path.join(DIST, 'src/single-file/main-script.js')).href
  )
  const script = new vm.Script(wrapMainScript(readFileSync(path.join(WORK, 'main.cjs'), 'utf8')), {
    filename: MAIN_FILENAME,
  })
  writeFileSync(path.join(WORK, 'main.cjs.cache'), script.createCachedData())
}

// Code mode's worker thread, one CommonJS script run with `eval` (no files in the executable). QuickJS's
// WebAssembly comes from the main thread as bytes, so the loader's CommonJS build never looks for it.
await build({
  entryPoints: [path.join(DIST, 'src/gateway/codemode/worker.js')],
  outfile: path.join(WORK, 'codemode-worker.cjs'),
  ...SCRIPT_BUILD,
  plugins: [
    {
      name: 'single-file-worker',
      setup(b) {
        b.onResolve({filter: /^@jitl\/quickjs-wasmfile-release-sync\/emscripten-module$/}, () => ({
          path: require.resolve('@jitl/quickjs-wasmfile-release-sync/emscripten-module'),
        }))
      },
    },
  ],
})

// Assets: what the code reads under its package root, and the native module.
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const runtimePkg = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  type: pkg.type,
  license: pkg.license,
  homepage: pkg.homepage,
  oclif: pkg.oclif,
}
writeFileSync(path.join(WORK, 'package.json'), JSON.stringify(runtimePkg, null, 2) + '\n')
writeFileSync(path.join(WORK, 'oclif.manifest.json'), manifestText)
const assetFiles = {
  'package.json': {from: path.join(WORK, 'package.json'), path: 'package.json'},
  'oclif.manifest.json': {from: path.join(WORK, 'oclif.manifest.json'), path: 'oclif.manifest.json'},
  'keyring.node': {from: keyringFile, path: 'native/keyring.node'},
  ...Object.fromEntries(
    catalogFiles.map((f) => {
      const rel = path.relative(ROOT, f).split(path.sep).join('/')
      return [rel, {from: f, path: rel}]
    }),
  ),
}
const index = {version: pkg.version, buildId: '', files: {}}
const build_ = createHash('sha256')
for (const [name, a] of Object.entries(assetFiles)) {
  const hash = sha256(readFileSync(a.from))
  index.files[name] = {path: a.path, sha256: hash}
  build_.update(`${name}\0${hash}\0`)
}
index.buildId = build_
  .update(readFileSync(path.join(WORK, 'main.cjs')))
  .digest('hex')
  .slice(0, 16)
writeFileSync(path.join(WORK, 'single-file.json'), JSON.stringify(index) + '\n')

const seaConfig = {
  main: path.join(WORK, 'sea-main.cjs'),
  output: path.join(WORK, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: {
    'single-file.json': path.join(WORK, 'single-file.json'),
    // The bundle of every command and V8's compiled code for it (src/single-file/main-script.ts): start-up
    // skips most of the parsing.
    'main.cjs': path.join(WORK, 'main.cjs'),
    'main.cjs.cache': path.join(WORK, 'main.cjs.cache'),
    // Read from memory only (getAsset), so not in the index of files written to disk.
    'quickjs.wasm': quickjsWasmFile,
    'sql-wasm.wasm': sqliteWasmFile,
    'codemode-worker.js': path.join(WORK, 'codemode-worker.cjs'),
    ...Object.fromEntries(Object.entries(assetFiles).map(([name, a]) => [name, a.from])),
  },
}
writeFileSync(path.join(WORK, 'sea-config.json'), JSON.stringify(seaConfig, null, 2))
execFileSync(process.execPath, ['--experimental-sea-config', path.join(WORK, 'sea-config.json')], {
  stdio: ['ignore', 'ignore', 'inherit'],
})

const tmp = `${EXE}.tmp`
rmSync(tmp, {force: true})
copyFileSync(process.execPath, tmp)
chmodSync(tmp, 0o755)
if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', tmp])
const {inject} = require('postject')
await inject(tmp, 'NODE_SEA_BLOB', readFileSync(seaConfig.output), {
  sentinelFuse: SEA_FUSE,
  ...(process.platform === 'darwin' ? {machoSegmentName: 'NODE_SEA'} : {}),
})
// macOS refuses to run an unsigned binary on Apple silicon: an ad-hoc signature is enough locally.
if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', tmp])
renameSync(tmp, EXE)
writeFileSync(STAMP, stamp)
console.error(`${path.relative(process.cwd(), EXE)}: ${(statSync(EXE).size / 1048576).toFixed(1)} MiB`)
