import {Flags, type Interfaces} from '@oclif/core'

import type {FlagSpec} from './flag-spec.js'

/** oclif flag definitions from a flag table (see flag-spec.ts). */
export function toOclifFlags(table: Record<string, FlagSpec>): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {}
  for (const [name, spec] of Object.entries(table)) {
    const common = {description: spec.description, ...(spec.multiple ? {multiple: true as const} : {})}
    if (spec.type === 'boolean') {
      flags[name] = Flags.boolean({
        description: spec.description,
        default: (spec.default as boolean | undefined) ?? false,
        ...(spec.allowNo ? {allowNo: true} : {}),
      })
    } else if (spec.type === 'integer') {
      flags[name] = Flags.integer({
        ...common,
        ...(spec.default === undefined ? {} : {default: spec.default as number}),
        ...(spec.min === undefined ? {} : {min: spec.min}),
        ...(spec.max === undefined ? {} : {max: spec.max}),
      } as never)
    } else {
      flags[name] = Flags.string({
        ...common,
        ...(spec.default === undefined ? {} : {default: spec.default as string}),
        ...(spec.options ? {options: [...spec.options]} : {}),
      } as never)
    }
  }
  return flags
}
