import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {Context} from '../context.js'
import {writeFileAtomic} from '../fs/atomic.js'

/** How often a machine without a keychain is reminded that secrets go to a file. */
const NOTICE_EVERY_MS = 24 * 60 * 60 * 1000

function stampFile(ctx: Context): string {
  return path.join(ctx.paths.cacheDir, 'no-keychain-notice')
}

/**
 * Is the "no OS keychain" notice due? It used to be printed, 430 characters with the raw D-Bus error, by
 * every command on a machine that will never have a keychain (a server, a container, WSL): now once a day,
 * in one line, and always in full under `--debug` and in `doctor`. The stamp is a file's mtime under
 * ~/.docker/mcp/cache; if it cannot be written the notice simply shows again next time.
 */
export async function keychainNoticeDue(ctx: Context, now = Date.now()): Promise<boolean> {
  try {
    const {mtimeMs} = await fs.stat(stampFile(ctx))
    if (now - mtimeMs < NOTICE_EVERY_MS) return false
  } catch {
    // No stamp yet.
  }
  await writeFileAtomic(stampFile(ctx), '', {privateRoot: ctx.paths.mcpDir, fsync: false}).catch(
    () => undefined,
  )
  return true
}
