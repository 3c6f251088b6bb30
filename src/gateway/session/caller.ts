/**
 * Who is on the other end of a session. The transport decides it when the session starts (the HTTP front
 * door from the bearer token or the OAuth access token; stdio is the local user) and the gateway carries it
 * on every call, for the guards that ask "who": access policy, rate limits, the audit log.
 */
export interface Caller {
  /**
   * Stable and unique per identity, for policy rules, limit buckets and audit lines: `local`, `anonymous`,
   * `token:<name>` for a named gateway token (`token:default` for the one `--token`), `oauth:<sub>`.
   */
  readonly id: string
  /** How the identity was established. */
  readonly via: 'local' | 'token' | 'oauth' | 'none'
  /** What a person reads in logs: the token's name, the OAuth subject. */
  readonly name: string
  /** OAuth: the client the token was issued to. */
  readonly clientId?: string | undefined
  /** OAuth: the scopes the access token carries. */
  readonly scopes?: readonly string[] | undefined
  /** OAuth: the validated token's claims (groups, roles …), for policy rules that match on them. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined
}

/** The user at the other end of a stdio session: whoever started the gateway. */
export const LOCAL_CALLER: Caller = Object.freeze({id: 'local', via: 'local', name: 'local'})

/** A caller of an HTTP gateway run with authentication off (`--allow-unauthenticated`). */
export const ANONYMOUS_CALLER: Caller = Object.freeze({id: 'anonymous', via: 'none', name: 'anonymous'})
