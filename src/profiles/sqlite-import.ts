import {readFile, stat} from 'node:fs/promises'

import type {Database} from 'sql.js'

import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {PROFILE_VERSION} from './format.js'
import {getProfile, importProfile, listProfiles} from './index.js'
import {sqliteWasm} from './sqlite-wasm.js'
import {DEFAULT_PROFILE} from './store.js'

/**
 * Import the original's profile database. Docker's plugin keeps its profiles ("working sets") in SQLite,
 * `~/.docker/mcp/mcp-toolkit.db` (`pkg/db/db.go`, migrations in `pkg/db/migrations/`). Its one table:
 *
 * ```sql
 * working_set (id text primary key, name text not null,
 *              servers text not null CHECK (json_valid(servers)),   -- JSON array of servers
 *              secrets text not null CHECK (json_valid(secrets)))   -- JSON object {key: {provider}}
 * ```
 *
 * A server in `servers` is `{type, config?, secrets?, tools, source?, image?, endpoint?, snapshot?}`
 * (`pkg/db/workingset.go`): the same fields as the export format (`tools: null` = every tool), so a row
 * becomes a profile document as is, and goes through `importProfile` (validation, locked atomic writes,
 * `default` into the legacy files). The database file is read as bytes into memory (sql.js, SQLite in
 * WebAssembly): it is never opened for writing, and never changed.
 */

/** The table and columns this import reads; a database without them is a schema it does not know. */
export const WORKING_SET_TABLE = 'working_set'
export const WORKING_SET_COLUMNS = ['id', 'name', 'servers', 'secrets'] as const

/** The original's database file (`DefaultDatabaseFilename`). */
export function profileDatabaseFile(ctx: Context): string {
  return ctx.paths.profileDatabase
}

/** One working set as read from the database, before validation. */
export interface WorkingSetRow {
  id: string
  name: string
  /** The profile document (the export format) made of the row. */
  document: Record<string, unknown>
}

export interface DatabaseImportResult {
  database: string
  imported: {id: string; name: string; servers: number; action: 'created' | 'updated'}[]
  skipped: {id: string; reason: string}[]
  failed: {id: string; error: string}[]
}

const SQLITE_MAGIC = 'SQLite format 3\0'

/** Load sql.js with its WebAssembly handed over as bytes (./sqlite-wasm.ts: no fetch, no path guessing). */
async function openDatabase(bytes: Uint8Array): Promise<Database> {
  const {default: initSqlJs} = await import('sql.js')
  const SQL = await initSqlJs({wasmBinary: await sqliteWasm()})
  return new SQL.Database(bytes)
}

/**
 * Read every working set of the database `file`. Errors name the file: no such file, not a SQLite
 * database, or a schema without the table/columns above. A row whose JSON columns do not parse is
 * returned with an `error` instead of a document (the other rows still import).
 */
export async function readWorkingSets(
  file: string,
): Promise<(WorkingSetRow | {id: string; error: string})[]> {
  let bytes: Uint8Array
  try {
    if (!(await stat(file)).isFile()) throw new DockerMcpError(`${file} is not a file`)
    bytes = new Uint8Array(await readFile(file))
  } catch (err) {
    if (err instanceof DockerMcpError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DockerMcpError(`no profile database at ${file}: nothing to import`)
    throw new DockerMcpError(`failed to read profile database ${file}: ${(err as Error).message}`)
  }
  if (bytes.length < 16 || Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== SQLITE_MAGIC)
    throw new DockerMcpError(`${file} is not a SQLite database (expected the original's mcp-toolkit.db)`)
  const db = await openDatabase(bytes)
  try {
    let columns: string[]
    try {
      const table = db.exec(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${WORKING_SET_TABLE}'`,
      )
      if (table.length === 0)
        throw new DockerMcpError(
          `${file}: unknown database schema: no table "${WORKING_SET_TABLE}" (the original's profiles)`,
        )
      columns = (db.exec(`PRAGMA table_info(${WORKING_SET_TABLE})`)[0]?.values ?? []).map((r) => String(r[1]))
    } catch (err) {
      if (err instanceof DockerMcpError) throw err
      throw new DockerMcpError(`${file} is not a readable SQLite database: ${(err as Error).message}`)
    }
    const missing = WORKING_SET_COLUMNS.filter((c) => !columns.includes(c))
    if (missing.length > 0)
      throw new DockerMcpError(
        `${file}: unknown database schema: table "${WORKING_SET_TABLE}" has no column ${missing.map((c) => `"${c}"`).join(', ')}`,
      )
    let rows: unknown[][]
    try {
      rows =
        db.exec(`SELECT id, name, servers, secrets FROM ${WORKING_SET_TABLE} ORDER BY id`)[0]?.values ?? []
    } catch (err) {
      throw new DockerMcpError(`${file} is not a readable SQLite database: ${(err as Error).message}`)
    }
    return rows.map(([id, name, servers, secrets]) => {
      const rowId = String(id)
      const parsed: Record<string, unknown> = {}
      for (const [column, value] of [
        ['servers', servers],
        ['secrets', secrets],
      ] as const) {
        try {
          parsed[column] = JSON.parse(String(value))
        } catch {
          return {id: rowId, error: `${file}: working set "${rowId}": column ${column} is not valid JSON`}
        }
      }
      return {
        id: rowId,
        name: String(name ?? ''),
        document: {version: PROFILE_VERSION, id: rowId, name: name ?? '', ...parsed},
      }
    })
  } finally {
    db.close()
  }
}

/**
 * Import the working sets of `file` as profiles. A profile that already exists here is skipped unless
 * `force` (`default` exists when it has servers here). A working set that fails validation is reported
 * in `failed` with its id and the field; the others still import.
 */
export async function importProfileDatabase(
  ctx: Context,
  file: string,
  options: {force?: boolean} = {},
): Promise<DatabaseImportResult> {
  const rows = await readWorkingSets(file)
  const result: DatabaseImportResult = {database: file, imported: [], skipped: [], failed: []}
  const existing = new Set((await listProfiles(ctx)).profiles.map((p) => p.id))
  for (const row of rows) {
    if ('error' in row) {
      result.failed.push({id: row.id, error: row.error})
      continue
    }
    if (!options.force && (await exists(ctx, existing, row.id))) {
      result.skipped.push({id: row.id, reason: 'a profile of this id exists here (--force replaces it)'})
      continue
    }
    try {
      const r = await importProfile(ctx, JSON.stringify(row.document, null, 2), {
        source: `${file} (working set "${row.id}")`,
      })
      result.imported.push({
        id: r.id,
        name: r.profile.name,
        servers: r.profile.servers.length,
        action: r.action,
      })
    } catch (err) {
      if (!(err instanceof DockerMcpError)) throw err
      result.failed.push({id: row.id, error: err.message})
    }
  }
  return result
}

async function exists(ctx: Context, ids: Set<string>, id: string): Promise<boolean> {
  if (id !== DEFAULT_PROFILE) return ids.has(id)
  return (await getProfile(ctx, DEFAULT_PROFILE)).profile.servers.length > 0
}

/** Is the original's database there (for `profile ls`' hint)? */
export async function hasProfileDatabase(ctx: Context): Promise<boolean> {
  try {
    return (await stat(profileDatabaseFile(ctx))).isFile()
  } catch {
    return false
  }
}
