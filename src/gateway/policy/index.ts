import path from 'node:path'

import type {Context} from '../../context.js'
import {UsageError} from '../../errors.js'
import {NamedTokens} from '../http/named-tokens.js'
import type {Logger} from '../logger.js'
import type {CallStage} from '../pipeline/pipeline.js'
import type {Caller} from '../session/caller.js'
import type {ToolViewLayer} from '../session/tool-view.js'
import {policyStage, policyToolView, PolicyHolder} from './access.js'
import {auditStage, RotatingFile, streamSink, type AuditSink} from './audit.js'
import {RateLimiter, rateLimitStage, requestThrottle, type LimitSource} from './limits.js'
import type {Limits} from './policy-file.js'

/**
 * Sharing a gateway: who calls (named tokens), what each caller may see and call (the access policy),
 * how often (rate limits), and a record of every call (the audit log). See README.md, "Sharing a gateway".
 */
export interface AccessOptions {
  /** `--policy FILE`: the access policy (YAML), hot-reloaded. Default deny once given. */
  policy?: string | undefined
  /** `--audit-log FILE|-`: one JSON line per call; `-` is stdout (HTTP transports only). */
  auditLog?: string | undefined
  /** `--audit-log-max-size` in bytes, and `--audit-log-keep` rotated files. */
  auditLogMaxBytes?: number | undefined
  auditLogKeep?: number | undefined
  /** `--rate-limit`: tool calls a minute per identity, when the policy sets none. */
  rateLimit?: number | undefined
  /** `--max-concurrent-calls`: tool calls at once per identity, when the policy sets none. */
  maxConcurrentCalls?: number | undefined
  transport: 'stdio' | 'sse' | 'streaming'
  /** `--watch`: reload the policy when its file changes (default on). */
  watch?: boolean | undefined
}

export interface AccessControl {
  /** For GatewayOptions.toolViews: the policy's view of each session's tools. */
  toolViews: ToolViewLayer[]
  /** For callStages(): audit, policy, rate limit, in that order (outermost first). */
  stages: CallStage[]
  /** For HttpOptions. */
  namedTokens: NamedTokens
  throttle?: ((caller: Caller) => {retryAfterSeconds: number; message: string} | undefined) | undefined
  /** Called when a new policy is in force (tell sessions their tool lists changed). */
  onPolicyChange(listener: () => void): void
  close(): void
}

export const DEFAULT_AUDIT_MAX_BYTES = 10 * 1024 * 1024
export const DEFAULT_AUDIT_KEEP = 5

/** Build the access control of one gateway from its flags. A bad policy file or audit path stops it here. */
export async function accessControl(
  ctx: Context,
  options: AccessOptions,
  logger: Logger,
): Promise<AccessControl> {
  const holder = options.policy
    ? await PolicyHolder.open(path.resolve(ctx.cwd, options.policy), logger, {watch: options.watch !== false})
    : undefined
  if (holder) logger.info(`- Access policy: ${holder.file} (callers no rule matches see no tools)`)
  const sink = options.auditLog ? openAudit(ctx, options, logger) : undefined
  const flagLimits: Limits = {
    ...(options.rateLimit ? {callsPerMinute: options.rateLimit} : {}),
    ...(options.maxConcurrentCalls ? {concurrentCalls: options.maxConcurrentCalls} : {}),
  }
  const source: LimitSource = {
    callerLimits: (caller) => {
      const mine = holder?.current.forCaller(caller).limits
      return mine && Object.keys(mine).length > 0 ? mine : flagLimits
    },
    toolLimits: (caller, server, tool, name) => {
      const hit = holder?.current.forCaller(caller).toolLimits(server, tool, name)
      return hit && {key: hit.pattern, limits: hit.limits}
    },
  }
  const limited = Object.keys(flagLimits).length > 0 || holder !== undefined
  const limiter = new RateLimiter()
  return {
    toolViews: holder ? [policyToolView(holder)] : [],
    stages: [
      ...(sink ? [auditStage(sink)] : []),
      ...(holder ? [policyStage(holder)] : []),
      ...(limited ? [rateLimitStage(limiter, source)] : []),
    ],
    namedTokens: new NamedTokens(ctx.paths.gatewayTokens, (m) => logger.warn(m)),
    throttle: holder ? requestThrottle(limiter, source) : undefined,
    onPolicyChange: (listener) => holder?.onChange(listener),
    close() {
      holder?.close()
      sink?.close()
    },
  }
}

function openAudit(ctx: Context, options: AccessOptions, logger: Logger): AuditSink {
  if (options.auditLog === '-') {
    // stdio's stdout is the protocol channel: an audit line there would break the client's stream.
    if (options.transport === 'stdio')
      throw new UsageError(
        '--audit-log - (stdout) needs --transport sse or streaming: with stdio, stdout carries MCP',
      )
    logger.info('- Audit log: stdout')
    return streamSink(process.stdout)
  }
  const file = path.resolve(ctx.cwd, options.auditLog!)
  try {
    const sink = new RotatingFile(
      file,
      options.auditLogMaxBytes ?? DEFAULT_AUDIT_MAX_BYTES,
      options.auditLogKeep ?? DEFAULT_AUDIT_KEEP,
      (m) => logger.warn(m),
    )
    logger.info(`- Audit log: ${file}`)
    return sink
  } catch (err) {
    throw new UsageError(`cannot open the audit log ${file}: ${(err as Error).message}`)
  }
}
