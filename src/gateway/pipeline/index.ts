import {blockSecretsStage, type BlockSecretsOptions} from './block-secrets.js'
import {interceptorStages, type InterceptorOptions} from './interceptors/index.js'
import type {CallStage} from './pipeline.js'

export {CallPipeline, guardStage, type CallStage, type Guard, type NextStage} from './pipeline.js'
export {CallRefusedError, toolCall, type CallAnswer, type ToolCall} from './call.js'

/** What the guards are built from: `gateway run`'s flags and what the configuration resolved. */
export interface GuardOptions extends InterceptorOptions {
  /** `--block-secrets` (default on): undefined when it is off. */
  blockSecrets?: BlockSecretsOptions | undefined
  /** Audit log, access policy and rate limits (src/gateway/policy/), in that order; none when not asked for. */
  access?: readonly CallStage[] | undefined
  /** Tracing (src/gateway/observe/, `trace.ts`): only when the OTEL_* variables ask for traces. */
  trace?: CallStage | undefined
}

/**
 * The guards every tool call passes, in their order (the call log and metrics wrap them all, see
 * README.md here). Each guard is its own module in this folder; adding one is one line here.
 */
export function callStages(options: GuardOptions): CallStage[] {
  return [
    // One span per call, around every guard: it records their refusals.
    ...(options.trace ? [options.trace] : []),
    // The audit log records every outcome of what follows; a call the policy or a limit refuses goes no further.
    ...(options.access ?? []),
    // Interceptors see the call first, and only results that secret blocking let through.
    ...interceptorStages(options),
    ...(options.blockSecrets ? [blockSecretsStage(options.blockSecrets)] : []),
  ]
}
