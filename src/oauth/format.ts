import {table} from '../catalog/format.js'
import type {OAuthStatusRow} from './servers.js'

/** `oauth ls`. */
export function formatOAuthList(rows: OAuthStatusRow[]): string {
  if (rows.length === 0) return 'No server uses OAuth'
  return table(
    ['SERVER', 'STATUS', 'EXPIRES', 'SCOPES', 'CLIENT'],
    rows.map((r) => [r.server, r.status, r.expires ?? '-', r.scopes || '-', r.client]),
  )
}
