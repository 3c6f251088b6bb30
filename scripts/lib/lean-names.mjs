import {readFileSync, writeFileSync} from 'node:fs'

// keepNames makes esbuild wrap every function whose name it could change in `__name(fn, "name")`, which
// defines `name` on the function object as it is created. For an arrow or async function that is done on
// every closure the code creates (per session: its request handlers; per call: its callbacks), and the
// defineProperty gives each such closure a dictionary of properties of its own: ~250 bytes per closure
// and a quarter of an idle HTTP session's heap (bench-scale.mjs --heap), and CPU on every call. Names only
// need keeping where they can be observed: classes and functions with a prototype (error class names,
// `constructor.name`). Arrow and async functions keep the name V8 gave them (in a stack trace, none).
const NAME_HELPER = 'var __name=(target,value)=>__defProp(target,"name",{value,configurable:!0})'
const LEAN_NAME_HELPER =
  'var __name=(target,value)=>Object.prototype.hasOwnProperty.call(target,"prototype")?__defProp(target,"name",{value,configurable:!0}):target'

/** `text` (the output `file` of a build with keepNames, whitespace-minified) with the lean `__name` helper. */
export function leanNameText(file, text) {
  if (!text.includes('var __name=')) return text
  if (!text.includes(NAME_HELPER))
    throw new Error(`${file}: esbuild's __name helper changed; update scripts/lib/lean-names.mjs`)
  return text.replace(NAME_HELPER, LEAN_NAME_HELPER)
}

/** Rewrite esbuild's `__name` helper in those of `files` that define it. */
export function leanNames(files) {
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    const lean = leanNameText(file, text)
    if (lean !== text) writeFileSync(file, lean)
  }
}
