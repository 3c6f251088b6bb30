import type {Context} from '../../context.js'
import type {GatewayConfiguration} from '../configuration.js'
import type {Logger} from '../logger.js'
import {answerText, CallRefusedError, type CallAnswer, type ToolCall} from './call.js'
import {guardStage, type CallStage} from './pipeline.js'
import {
  SecretScanner,
  STORED_SECRET_RULE,
  type AllowEntry,
  type SecretFinding,
  type StoredSecret,
} from './secret-scan.js'

/** What `--block-secrets` is built from (see src/gateway/run.ts). */
export interface BlockSecretsOptions {
  /** The secrets the enabled servers declare, as the gateway resolved them: their values are looked for. */
  stored: readonly StoredSecret[]
  /** The allowlist file's entries (secret-allowlist.ts). */
  allow: readonly AllowEntry[]
  /** The allowlist file, named in refusals: where a false positive is fixed. */
  allowlistFile: string
  /** Refusals are logged with --verbose: which call, which rule, which path (never the value). */
  logger?: Logger | undefined
  /**
   * When to compile the rules (a few milliseconds of regular expressions and a keyword automaton): at
   * once by default. The stdio gateway defers it until its `initialize` answer is out (engine-gate.ts);
   * a call that comes first compiles them itself.
   */
  compileWhen?: ((compile: () => void) => void) | undefined
}

/** The guard's options for a gateway run: its configuration's stored secrets and the user's allowlist. */
export async function blockSecretsOptions(
  ctx: Context,
  configuration: Pick<GatewayConfiguration, 'storedSecrets'>,
  logger: Logger,
): Promise<BlockSecretsOptions> {
  const {loadSecretAllowlist} = await import('./secret-allowlist.js')
  return {
    stored: [...configuration.storedSecrets].map(([name, value]) => ({name, value})),
    allow: await loadSecretAllowlist(ctx.paths.secretAllowlist),
    allowlistFile: ctx.paths.secretAllowlist,
    logger,
  }
}

/** The guard's name, in refusals and in the pipeline. */
export const BLOCK_SECRETS = 'block-secrets'

/**
 * `--block-secrets` (on by default): a call whose arguments carry a credential is refused before it
 * reaches the server, and an answer that carries one is replaced by an error, as Docker's gateway does.
 * Credentials are the well-known formats (secret-rules.ts) and the values of the user's stored secrets.
 * The scan reads the call and the answer as JSON text: the client's or the server's own text on the raw
 * path (a large answer is never parsed for it), serialised once on the SDK path. The refusal names the
 * rule and the direction, never the value.
 */
export function blockSecretsStage(options: BlockSecretsOptions): CallStage {
  const {logger, allowlistFile} = options
  let compiled: SecretScanner | undefined
  const scanner = (): SecretScanner => {
    if (compiled) return compiled
    compiled = new SecretScanner({stored: options.stored, allow: options.allow})
    logger?.debug(
      `  - Secret blocking: ${compiled.ruleIds.length} rules, ${options.stored.length} stored secret(s), ${options.allow.length} allowlist entries`,
    )
    return compiled
  }
  ;(options.compileWhen ?? ((compile) => compile()))(() => void scanner())
  const refuse = (call: ToolCall, direction: 'argument' | 'result', found: SecretFinding) => {
    logger?.debug(
      `  - block-secrets refused the ${direction} of ${call.name} (${call.server}, ${call.via} path): rule ${found.rule}`,
    )
    return refusal(call, direction, found, allowlistFile)
  }
  return guardStage({
    name: BLOCK_SECRETS,
    before(call: ToolCall) {
      const found = scanner().scan(call.requestText())
      if (found) throw refuse(call, 'argument', found)
    },
    after(call: ToolCall, answer: CallAnswer) {
      const found = scanner().scan(answerText(answer))
      if (found) throw refuse(call, 'result', found)
    },
  })
}

function refusal(
  call: ToolCall,
  direction: 'argument' | 'result',
  found: SecretFinding,
  allowlistFile: string,
): CallRefusedError {
  // Docker's gateway words these two errors the same way; what follows the colon is ours.
  const head =
    direction === 'argument'
      ? `a secret is being passed to tool ${call.name}: its arguments contain`
      : `a secret is being returned by the ${call.name} tool: its result contains`
  const what =
    found.rule === STORED_SECRET_RULE
      ? `the value of the stored secret "${found.secret}" (rule ${STORED_SECRET_RULE})`
      : `a credential: ${found.title} (rule ${found.rule})`
  return new CallRefusedError(
    BLOCK_SECRETS,
    `${head} ${what}. If it is not a secret, allow it in ${allowlistFile}, or run the gateway with --block-secrets=false`,
  )
}
