import {createHash, randomUUID} from 'node:crypto'

/**
 * Session ids that say which replica owns them.
 *
 * A 2025-era session lives in the memory of the replica that opened it. Behind a load balancer with no
 * affinity the next request of that session may land on any replica, so the id carries the owner's tag:
 * `<tag>.<uuid>`. The tag is a digest of the owner's advertised address (host:port), never the address
 * itself: ids are shown to clients, and the internal addresses of the replicas are none of their business.
 * A replica learns which address a tag stands for only by hashing the addresses of its resolved peer set
 * (peers.ts), so the text of an id can never name a place to connect to (no SSRF through a forged id).
 */

/** Hex digits in a tag: 48 bits, so that a few hundred replicas never collide by chance. */
export const TAG_LENGTH = 12

const OWNED_ID = new RegExp(
  `^([0-9a-f]{${TAG_LENGTH}})\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
)

/** The tag of the replica reachable at `address` ("host:port", IPv6 hosts in brackets). */
export function replicaTag(address: string): string {
  return createHash('sha256')
    .update(`docker-mcp-replica:${address.toLowerCase()}`)
    .digest('hex')
    .slice(0, TAG_LENGTH)
}

/** A new session id owned by the replica tagged `tag`. */
export function ownedSessionId(tag: string): string {
  return `${tag}.${randomUUID()}`
}

/** The owner's tag of a session id, or undefined for an id of another shape (a plain UUID, garbage). */
export function ownerTag(sessionId: string): string | undefined {
  return OWNED_ID.exec(sessionId)?.[1]
}

/** "host:port" with an IPv6 host in brackets, as tags are computed from. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
