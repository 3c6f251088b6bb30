/**
 * A catalog entry's `allowHosts` (`host:port`, optionally `/http`, `/https` or `/tcp`, as in Docker's catalog)
 * turned into the egress policy its proxy enforces. Pure: parsed and checked here, table-tested, and the
 * proxy program (proxy-program.ts) receives the result as JSON.
 */
import {createHash} from 'node:crypto'
import {isIP} from 'node:net'

import {blockedAddressReason, type EgressRule, type ProxyConfig} from './proxy-program.js'

export type {EgressRule, ProxyConfig}

/** What one server's proxy enforces, and what decides whether two servers can share a proxy. */
export interface EgressPolicy {
  rules: EgressRule[]
  /** The entry's `extraHosts` (`name:ip`): under --block-network names are resolved by the proxy, so they are its. */
  extraHosts: string[]
}

/** Port of the HTTP proxy inside the proxy container, unless a `/tcp` entry needs it. */
export const DEFAULT_PROXY_PORT = 3128

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/
const ENTRY_FORMAT = 'host:port, optionally followed by /http, /https or /tcp (e.g. api.example.com:443)'

/** Parse one `allowHosts` item; throws a message naming the server, the index and the value. */
export function parseAllowHost(server: string, index: number, value: string): EgressRule {
  const where = `server "${server}": allowHosts[${index}] "${value}"`
  const m = /^(.+):(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(value.trim())
  if (!m) throw new Error(`${where} is not ${ENTRY_FORMAT}`)
  let host = m[1]!.toLowerCase().replace(/\.$/, '')
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  const port = Number(m[2])
  if (port < 1 || port > 65535) throw new Error(`${where}: port ${port} is out of range (1-65535)`)
  const protocol = (m[3] ?? 'any').toLowerCase()
  if (!['any', 'http', 'https', 'tcp'].includes(protocol))
    throw new Error(`${where}: unknown protocol "${m[3]}" (use /http, /https or /tcp)`)
  if (host.includes('*')) throw new Error(`${where}: wildcards are not supported: list each host`)
  if (isIP(host)) {
    // A catalog cannot open the host's loopback, link-local (cloud metadata) or multicast addresses.
    const reason = blockedAddressReason(host, [])
    if (reason) throw new Error(`${where}: ${host} is ${reason}, which no server may reach`)
  } else if (!HOST_NAME.test(host)) {
    throw new Error(`${where}: "${host}" is not a valid host name`)
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new Error(`${where}: localhost is the server's own container, not a host to allow`)
  }
  return {host, port, protocol: protocol as EgressRule['protocol']}
}

/**
 * The policy of one catalog entry, or undefined when it declares no `allowHosts` (under --block-network
 * such a server gets no network at all). Duplicates collapse; `/tcp` entries must have distinct ports,
 * because the proxy tells them apart by the port the server connects to.
 */
export function egressPolicy(
  server: string,
  entry: {allowHosts?: string[] | undefined; extraHosts?: string[] | undefined},
): EgressPolicy | undefined {
  const items = entry.allowHosts ?? []
  if (items.length === 0) return undefined
  const byKey = new Map<string, EgressRule>()
  items.forEach((value, index) => {
    if (typeof value !== 'string') throw new Error(`server "${server}": allowHosts[${index}] is not a string`)
    const rule = parseAllowHost(server, index, value)
    byKey.set(`${rule.host}:${rule.port}/${rule.protocol}`, rule)
  })
  const rules = [...byKey.values()].sort((a, b) =>
    `${a.host}:${a.port}/${a.protocol}`.localeCompare(`${b.host}:${b.port}/${b.protocol}`),
  )
  const tcpPorts = new Map<number, string>()
  for (const rule of rules.filter((r) => r.protocol === 'tcp')) {
    const other = tcpPorts.get(rule.port)
    if (other !== undefined)
      throw new Error(
        `server "${server}": allowHosts lists ${other}:${rule.port}/tcp and ${rule.host}:${rule.port}/tcp: ` +
          `two /tcp entries cannot share a port (the egress proxy tells them apart by port)`,
      )
    tcpPorts.set(rule.port, rule.host)
  }
  const extraHosts = [...new Set(entry.extraHosts ?? [])].sort()
  return {rules, extraHosts}
}

/** The proxy configuration for a policy: the HTTP proxy listens on a port no `/tcp` entry uses. */
export function proxyConfig(policy: EgressPolicy): ProxyConfig {
  const tcp = new Set(policy.rules.filter((r) => r.protocol === 'tcp').map((r) => r.port))
  let httpPort = DEFAULT_PROXY_PORT
  while (tcp.has(httpPort)) httpPort++
  return {rules: policy.rules, httpPort}
}

/** Servers whose policies have the same key share one proxy and one internal network. */
export function policyKey(policy: EgressPolicy): string {
  return createHash('sha256')
    .update(JSON.stringify({rules: policy.rules, extraHosts: policy.extraHosts}))
    .digest('hex')
    .slice(0, 12)
}

/** `allowed.test:80, db.test:5432/tcp`: for messages. */
export function describeRules(rules: readonly EgressRule[]): string {
  return rules.map((r) => `${r.host}:${r.port}${r.protocol === 'any' ? '' : `/${r.protocol}`}`).join(', ')
}
