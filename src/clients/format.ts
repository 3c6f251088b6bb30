import chalk from 'chalk'

import type {ClientChange, ClientCheck, ClientDoctorReport, ClientList, ClientStatus} from './index.js'
import type {VerifyResult} from './verify.js'

/**
 * Human output of the client commands: pure functions from data to text, so commands only choose between
 * these and `--json`.
 */

/** `~/…` for paths under the home directory, to keep lines short. */
export function tildify(file: string, home: string): string {
  if (!home) return file
  for (const sep of ['/', '\\']) if (file.startsWith(home + sep)) return '~' + file.slice(home.length)
  return file
}

function state(c: ClientStatus): {mark: string; label: string} {
  if (!c.supported) return {mark: chalk.dim('-'), label: chalk.dim('no project file')}
  if (c.error) return {mark: chalk.red('✗'), label: chalk.red('error')}
  if (c.connected) return {mark: chalk.green('●'), label: chalk.green('connected')}
  if (c.installed) return {mark: chalk.yellow('○'), label: 'not connected'}
  return {mark: chalk.dim('○'), label: chalk.dim('not installed')}
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function detail(c: ClientStatus, home: string): string {
  if (!c.supported) return chalk.dim(`user-level only: use --global`)
  if (c.error)
    return c.path ? `${c.error.startsWith(c.path) ? '' : tildify(c.path, home) + ': '}${c.error}` : c.error
  const others = c.servers.filter((s) => !s.ours).length
  const extra = others ? chalk.dim(` (${c.connected ? '+ ' : ''}${plural(others, 'other server')})`) : ''
  // The profile shows only when one is named: an entry without --profile serves the default one.
  const profile = c.connected && c.profile ? `profile ${c.profile}: ` : ''
  return `${profile}${c.path ? tildify(c.path, home) : ''}${c.exists ? '' : chalk.dim(' (no file yet)')}${extra}`
}

function otherFilesLines(c: ClientStatus, home: string, indent: string): string[] {
  return c.otherFiles.map(
    (o) =>
      `${indent}${chalk.dim('also found:')} ${tildify(o.path, home)}${o.connected ? ' (has MCP_DOCKER)' : ''}`,
  )
}

/** `client ls`: one line per client, every client, installed or not. */
export function formatClientList(list: ClientList, home: string): string {
  const title =
    list.scope === 'project'
      ? `=== Project MCP configurations (${list.projectRoot}) ===`
      : '=== User-level MCP configurations ==='
  const idWidth = Math.max(...list.clients.map((c) => c.id.length))
  const nameWidth = Math.max(...list.clients.map((c) => c.displayName.length))
  const lines = [...(list.note ? [chalk.dim(list.note)] : []), chalk.bold(title)]
  for (const c of list.clients) {
    const {mark, label} = state(c)
    const pad = ' '.repeat(Math.max(0, 15 - stripAnsi(label).length))
    lines.push(
      ` ${mark} ${c.id.padEnd(idWidth)}  ${c.displayName.padEnd(nameWidth)}  ${label}${pad}  ${detail(c, home)}`,
    )
    lines.push(...otherFilesLines(c, home, ' '.repeat(idWidth + nameWidth + 7)))
  }
  return lines.join('\n')
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** One client in detail: its state, its file and every server in it. */
export function formatClientState(c: ClientStatus, home: string): string {
  const {mark, label} = state(c)
  const lines = [` ${mark} ${c.id}: ${label}`]
  if (c.path) lines.push(`   ${tildify(c.path, home)}${c.exists ? '' : chalk.dim(' (no file)')}`)
  if (c.error) lines.push(`   ${c.error}`)
  const width = Math.max(0, ...c.servers.map((s) => s.name.length))
  for (const s of c.servers)
    lines.push(
      `   ${s.ours ? chalk.green(s.name.padEnd(width)) : s.name.padEnd(width)}  ${chalk.dim(s.summary)}`,
    )
  lines.push(...otherFilesLines(c, home, '   '))
  return lines.join('\n')
}

/** `client connect` / `disconnect`: what happened, the resulting state, and what the user must do next. */
export function formatClientChange(result: ClientChange, home: string): string {
  const c = result.client
  const file = c.path ? tildify(c.path, home) : 'its configuration'
  const lines: string[] = []
  if (result.action === 'connect')
    lines.push(
      result.changed
        ? `Connected ${c.displayName} to the Docker MCP gateway${c.profile ? ` (profile ${c.profile})` : ''}: ${result.created ? 'created' : 'updated'} ${file}.`
        : `${c.displayName} is already connected: ${file} has the MCP_DOCKER entry. Nothing changed.`,
    )
  else
    lines.push(
      result.changed
        ? `Disconnected ${c.displayName}: removed MCP_DOCKER from ${file}.`
        : `${c.displayName} is not connected: no MCP_DOCKER entry in ${file}. Nothing changed.`,
    )
  if (result.replaced) lines.push(`It replaced the previous MCP_DOCKER entry, which ran: ${result.replaced}`)
  if (result.backup) lines.push(chalk.dim(`Backup of the original file: ${tildify(result.backup, home)}`))
  lines.push(formatClientState(c, home))
  if (result.note) lines.push(result.note)
  if (result.changed)
    lines.push(result.restart.needed ? chalk.yellow(result.restart.hint) : result.restart.hint)
  return lines.join('\n')
}

function indentBlock(text: string, indent: string): string {
  return text
    .split('\n')
    .map((l) => indent + l)
    .join('\n')
}

/** The outcome of starting the entry and talking MCP to it. */
export function formatVerify(v: VerifyResult): string {
  const secs = (v.durationMs / 1000).toFixed(1)
  const launched = [v.command, ...v.args].join(' ')
  if (v.ok)
    return `${chalk.green('✓')} MCP_DOCKER works: "${launched}" answered as ${v.server!.name}${v.server!.version ? ` ${v.server!.version}` : ''} with ${plural(v.tools!, 'tool')} (${secs} s).`
  const lines = [`${chalk.red('✗')} MCP_DOCKER failed: "${launched}": ${v.error}`]
  if (v.stderr) lines.push('  its stderr ended with:', indentBlock(v.stderr, '    '))
  return lines.join('\n')
}

const CHECK_MARK: Record<ClientCheck['status'], string> = {
  ok: '✓',
  failed: '✗',
  broken: '✗',
  'not-connected': '○',
}

/** `client doctor`: one line per checked entry, with the server's stderr under a failure. */
export function formatClientDoctor(report: ClientDoctorReport, home: string): string {
  if (report.checks.length === 0)
    return 'No client is connected to the gateway. Connect one with: docker mcp client connect <client> --global'
  const lines: string[] = []
  for (const c of report.checks) {
    const mark = c.status === 'ok' ? chalk.green(CHECK_MARK[c.status]) : chalk.red(CHECK_MARK[c.status])
    const where = c.path ? ` ${chalk.dim(tildify(c.path, home))}` : ''
    lines.push(`${mark} ${c.id} (${c.scope === 'global' ? 'user' : 'project'})${where}: ${c.message}`)
    if (c.verify && !c.verify.ok && c.verify.stderr) lines.push(indentBlock(c.verify.stderr, '    '))
  }
  return lines.join('\n')
}
