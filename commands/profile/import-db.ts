import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {
  importProfileDatabase,
  profileDatabaseFile,
  type DatabaseImportResult,
} from '../../src/profiles/sqlite-import.js'

export default class ProfileImportDb extends BaseCommand {
  static override description =
    "import the original's profiles (working sets) from its SQLite database, ~/.docker/mcp/mcp-toolkit.db; " +
    'the database is only read. Profiles that exist here are skipped unless --force; a working set that ' +
    'fails validation is reported (exit 1) and the others are imported'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile import-db',
    'docker mcp profile import-db ./mcp-toolkit.db --force',
    'docker mcp profile import-db --json',
  ]
  static override args = {
    database: Args.string({description: 'the database file (default: ~/.docker/mcp/mcp-toolkit.db)'}),
  }
  static override flags = {
    force: Flags.boolean({description: 'replace profiles that already exist here', default: false}),
  }

  async run(): Promise<DatabaseImportResult> {
    const {args, flags} = await this.parse(ProfileImportDb)
    const file = args.database ? path.resolve(this.ctx.cwd, args.database) : profileDatabaseFile(this.ctx)
    const result = await importProfileDatabase(this.ctx, file, {force: flags.force})
    for (const p of result.imported)
      this.log(`Imported profile ${p.id} (${p.servers} server${p.servers === 1 ? '' : 's'})`)
    for (const s of result.skipped) this.log(`Skipped profile ${s.id}: ${s.reason}`)
    for (const f of result.failed) this.logToStderr(`Failed to import profile ${f.id}: ${f.error}`)
    if (result.imported.length + result.skipped.length + result.failed.length === 0)
      this.log(`No profiles in ${file}`)
    if (result.failed.length > 0) process.exitCode = 1
    return result
  }
}
