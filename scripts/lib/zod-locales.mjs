// An esbuild plugin: zod's error messages in English only. `import {z} from 'zod'` (and the SDK's zod
// imports) reach zod's `locales` namespace (`z.locales`, `z.core.locales`), which esbuild cannot
// tree-shake: 63 translations, 308 KB of the 826 KB of zod source that every command and every gateway
// start used to parse before its first answer (issue #21). Nothing here or in the SDK selects another
// locale; zod's default messages come from `locales/en.js`, which it imports directly and which stays.
// The other names are still exported: calling one throws, naming this file.
import {readFileSync} from 'node:fs'
import path from 'node:path'

/** @returns {import('esbuild').Plugin} */
export function englishOnlyZod() {
  return {
    name: 'zod-english-only',
    setup(b) {
      b.onLoad({filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/}, (args) => {
        const names = [...readFileSync(args.path, 'utf8').matchAll(/export \{ default as (\w+) \}/g)].map(
          (m) => m[1],
        )
        if (!names.includes('en')) throw new Error(`${args.path}: no "en" locale (zod changed)`)
        const stub = (name) =>
          `export function ${name}() { throw new Error('zod locale "${name}" is not bundled (scripts/lib/zod-locales.mjs)') }`
        return {
          contents: [
            `export { default as en } from ${JSON.stringify('./en.js')};`,
            ...names.filter((n) => n !== 'en').map(stub),
          ].join('\n'),
          resolveDir: path.dirname(args.path),
          loader: 'js',
        }
      })
    },
  }
}
