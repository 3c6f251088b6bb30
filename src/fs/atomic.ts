import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

/**
 * Write a file so that readers see either the old or the new content, never a torn one: write a temp
 * file in the same directory (rename is atomic only within one file system), fsync, then rename over the
 * target. Keeps the target's permission bits when it exists; `mode` applies to new files. `fsync: false`
 * is for caches: after a crash they may lose the write, but readers still never see half of one.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: {mode?: number; dirMode?: number; fsync?: boolean} = {},
): Promise<void> {
  const dir = path.dirname(file)
  await fs.mkdir(dir, {recursive: true, ...(options.dirMode === undefined ? {} : {mode: options.dirMode})})
  let mode = options.mode ?? 0o644
  try {
    mode = (await fs.stat(file)).mode & 0o7777
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await fs.open(tmp, 'wx', mode)
  try {
    await handle.writeFile(data)
    if (options.fsync !== false) await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // open() applies the umask; chmod makes the kept or requested mode exact.
    await fs.chmod(tmp, mode)
    await fs.rename(tmp, file)
  } catch (err) {
    await fs.rm(tmp, {force: true})
    throw err
  }
}

/** Read a UTF-8 file, or `undefined` when it does not exist. Other errors propagate. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
