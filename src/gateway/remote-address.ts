import net from 'node:net'

/**
 * Which IP addresses a remote MCP server's URL may point the gateway at.
 *
 * The gateway runs on the user's machine, inside their network: a catalog entry must not use it to reach
 * loopback services, the LAN, cloud metadata (169.254.169.254) or anything else that is not a public
 * unicast address. Decisions are taken on parsed bytes, never on text: the URL parser rewrites
 * `[::ffff:127.0.0.1]` to `[::ffff:7f00:1]`, and IPv6 has many ways to carry an IPv4 address (mapped,
 * compatible, NAT64, 6to4, Teredo), so every one of those is unwrapped and the IPv4 inside is judged.
 *
 * Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries (every block whose "Globally
 * Reachable" is False or N/A), IPv4 multicast and reserved space, and for IPv6 the rule that only
 * 2000::/3 is allocated global unicast today (everything else is loopback, ULA, link-local, multicast,
 * reserved or a translation prefix handled explicitly).
 */

/** [network, prefix length, name] of IPv4 blocks that are not public unicast. */
const IPV4_SPECIAL: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space (CGN)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, 'deprecated 6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
  ['255.255.255.255', 32, 'limited broadcast'],
]

/** IPv6 blocks inside 2000::/3 (global unicast) that are still not public. */
const IPV6_SPECIAL_IN_GLOBAL: ReadonlyArray<readonly [string, number, string]> = [
  ['2001::', 23, 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
]

const v4Special = new net.BlockList()
for (const [address, prefix] of IPV4_SPECIAL) v4Special.addSubnet(address, prefix, 'ipv4')
const v6Special = new net.BlockList()
for (const [address, prefix] of IPV6_SPECIAL_IN_GLOBAL) v6Special.addSubnet(address, prefix, 'ipv6')

/** The 16 bytes of an IPv6 address (validated by net.isIPv6 first; a trailing dotted IPv4 allowed). */
function ipv6Bytes(text: string): number[] {
  let head = text
  let tailV4: number[] = []
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    tailV4 = dotted[1]!.split('.').map(Number)
    head = text.slice(0, -dotted[1]!.length)
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1)
  }
  const groupsWanted = 8 - tailV4.length / 2
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined]
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const l = parse(left)
  const r = parse(right)
  const groups = right === undefined ? l : [...l, ...Array(groupsWanted - l.length - r.length).fill(0), ...r]
  const bytes: number[] = []
  for (const g of groups) bytes.push(g >> 8, g & 0xff)
  return [...bytes, ...tailV4]
}

const v4Of = (b: number[], at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`
const isZero = (b: number[], from: number, to: number) => b.slice(from, to).every((x) => x === 0)

function classifyV4(ip: string): string | undefined {
  if (!v4Special.check(ip, 'ipv4')) return undefined
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number]
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d
  for (const [network, prefix, name] of IPV4_SPECIAL) {
    const [w, x, y, z] = network.split('.').map(Number) as [number, number, number, number]
    const m = ((w << 24) >>> 0) + (x << 16) + (y << 8) + z
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
    if ((n & mask) >>> 0 === (m & mask) >>> 0) return `${name} (${network}/${prefix})`
  }
  return 'special-purpose'
}

/**
 * Why this address is not a public unicast address (a short description of the range), or undefined
 * when it is public. Brackets and an IPv6 zone (`%eth0`) are accepted. Text that is not an IP address
 * is refused too: only addresses can be judged, and failing open is what let names through before.
 */
export function internalReason(address: string): string | undefined {
  let ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  if (ip.includes('%')) ip = ip.slice(0, ip.indexOf('%'))
  if (net.isIPv4(ip)) return classifyV4(ip)
  if (!net.isIPv6(ip)) return `not an IP address ("${address}")`
  const b = ipv6Bytes(ip)
  const inner = (at: number, what: string) => {
    const v4 = v4Of(b, at)
    const why = classifyV4(v4)
    return why ? `${what} of ${v4}: ${why}` : undefined
  }
  // ::/96 — the unspecified address, loopback and deprecated IPv4-compatible addresses: never public.
  if (isZero(b, 0, 12)) return 'unspecified, loopback or IPv4-compatible IPv6 (::/96)'
  // ::ffff:0:0/96 IPv4-mapped: the IPv4 inside is what a socket would reach.
  if (isZero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return inner(12, 'IPv4-mapped')
  // 64:ff9b::/96 well-known NAT64 prefix: public only if the IPv4 inside is.
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && isZero(b, 4, 12)) {
    return inner(12, 'NAT64')
  }
  // 2002::/16 6to4: the IPv4 of the relay is bytes 2-5.
  if (b[0] === 0x20 && b[1] === 0x02) return inner(2, '6to4')
  // Everything outside 2000::/3 (ULA fc00::/7, link-local fe80::/10, site-local, multicast ff00::/8,
  // discard 100::/64, local-use NAT64 64:ff9b:1::/48, SRv6 5f00::/16, reserved) is not global unicast.
  if ((b[0]! & 0xe0) !== 0x20) return 'not IPv6 global unicast (outside 2000::/3)'
  if (v6Special.check(ip, 'ipv6')) {
    for (const [network, prefix, name] of IPV6_SPECIAL_IN_GLOBAL) {
      const probe = new net.BlockList()
      probe.addSubnet(network, prefix, 'ipv6')
      if (probe.check(ip, 'ipv6')) return `${name} (${network}/${prefix})`
    }
  }
  return undefined
}

/** Is this address one that a remote server must not point us at (anything but public unicast)? */
export function isInternalAddress(address: string): boolean {
  return internalReason(address) !== undefined
}
