import {readdir, unlink} from 'node:fs/promises'
import path from 'node:path'

import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {readTextIfExists, writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'
import {closestMatches} from '../text/suggest.js'
import {parseProfile, PROFILE_ID, serializeProfile, type Profile} from './format.js'

/**
 * Where profiles live: one YAML file each, `~/.docker/mcp/profiles/<id>.yaml`, in the original's export
 * format (so a file can be diffed, kept in git, or handed to the original's `profile import`). The profile
 * `default` has no file: it is the legacy registry.yaml + config.yaml + tools.yaml (./legacy.ts).
 */

/** The profile that is the legacy files; `gateway run` without selection flags serves it. */
export const DEFAULT_PROFILE = 'default'
export const DEFAULT_PROFILE_NAME = 'Default Profile'

/** The file of a (non-default) profile. The id is checked first, so it cannot name a path elsewhere. */
export function profileFile(ctx: Context, id: string): string {
  checkId(id)
  return path.join(ctx.paths.profilesDir, `${id}.yaml`)
}

export function checkId(id: string): void {
  if (!PROFILE_ID.test(id))
    throw new UsageError(
      `invalid profile id "${id}": use letters, digits, "-", "_" and "." (not first), at most 128 characters`,
    )
}

/** Ids of the profile files on disk (not `default`), sorted. */
export async function profileFileIds(ctx: Context): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(ctx.paths.profilesDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return names
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => n.slice(0, -'.yaml'.length))
    .filter((id) => PROFILE_ID.test(id) && id !== DEFAULT_PROFILE)
    .sort()
}

/** Every profile id: `default` first, then the files. */
export async function profileIds(ctx: Context): Promise<string[]> {
  return [DEFAULT_PROFILE, ...(await profileFileIds(ctx))]
}

/** The error for an id that names no profile, with the closest ids. */
export async function profileNotFound(ctx: Context, id: string): Promise<DockerMcpError> {
  const close = closestMatches(id, await profileIds(ctx))
  return new DockerMcpError(`profile ${id} not found`, {
    suggestions: [
      ...close.map((c) => `did you mean "${c}"?`),
      'Run "docker mcp profile ls" to list the profiles.',
    ],
  })
}

/**
 * Read a profile file. A file that fails validation throws a FileFormatError naming the file, line and
 * field; it is never overwritten (every update reads it first, under the lock).
 */
export async function readProfileFile(ctx: Context, id: string): Promise<Profile | undefined> {
  const file = profileFile(ctx, id)
  const text = await readTextIfExists(file)
  if (text === undefined) return undefined
  const profile = parseProfile(file, text)
  if (profile.id !== id)
    throw new DockerMcpError(`${file}: the file says id "${profile.id}", its name says "${id}"`, {
      suggestions: [`Rename the file to ${profile.id}.yaml, or set "id: ${id}" in it.`],
    })
  return profile
}

/** Write a profile file atomically (0600 in 0700 directories). Callers hold the lock. */
export async function writeProfileFile(ctx: Context, profile: Profile): Promise<void> {
  await writeFileAtomic(profileFile(ctx, profile.id), serializeProfile(profile, 'yaml'), {
    privateRoot: ctx.paths.mcpDir,
  })
}

/** Read, change and write one profile file under its lock. `change` returns false for "nothing to write". */
export async function editProfileFile<T>(
  ctx: Context,
  id: string,
  change: (p: Profile) => Promise<T> | T,
): Promise<T> {
  const file = profileFile(ctx, id)
  return withFileLock(file, async () => {
    const before = await readProfileFile(ctx, id)
    if (!before) throw await profileNotFound(ctx, id)
    const after = structuredClone(before)
    const result = await change(after)
    if (JSON.stringify(after) !== JSON.stringify(before)) await writeProfileFile(ctx, after)
    return result
  })
}

/** Create a profile file; an existing id is an error (the file is left as it is). */
export async function createProfileFile(ctx: Context, profile: Profile): Promise<void> {
  const file = profileFile(ctx, profile.id)
  await withFileLock(file, async () => {
    if ((await readTextIfExists(file)) !== undefined)
      throw new DockerMcpError(`profile with id ${profile.id} already exists`, {
        suggestions: [`Choose another --id, or remove it first: docker mcp profile rm ${profile.id}`],
      })
    await writeProfileFile(ctx, profile)
  })
}

/** Replace or create a profile file (import). */
export async function putProfileFile(ctx: Context, profile: Profile): Promise<'created' | 'updated'> {
  const file = profileFile(ctx, profile.id)
  return withFileLock(file, async () => {
    const existed = (await readTextIfExists(file)) !== undefined
    await writeProfileFile(ctx, profile)
    return existed ? 'updated' : 'created'
  })
}

/** Remove a profile file. */
export async function removeProfileFile(ctx: Context, id: string): Promise<void> {
  const file = profileFile(ctx, id)
  await withFileLock(file, async () => {
    try {
      await unlink(file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw await profileNotFound(ctx, id)
      throw err
    }
  })
}
