import type {CallToolResult, ServerContext, Tool} from '@modelcontextprotocol/server'

import type {ToolCall} from '../pipeline/call.js'
import type {SessionCalls} from '../session/calls.js'
import type {InternalCallContext, SessionRef, ToolTarget, ToolViewLayer} from '../session/tool-view.js'
import {identifier, signature} from './describe.js'
import {
  DEFAULT_LIMITS,
  formatBytes,
  prewarmSandbox,
  runScript,
  type HostFunction,
  type SandboxLimits,
} from './sandbox.js'

/**
 * Code mode (issue #17): the internal tool `code-mode {servers, name}` gives ONE session a tool
 * `code-mode-<name>` that runs a JavaScript program in the sandbox (./sandbox.ts), in which every tool of
 * the chosen servers is an async function. Each call a script makes is the session's own call: resolved
 * through the session's view (`findTool`) and sent through the whole pipeline (`callFor`), so secret
 * blocking, interceptors, the access policy, logs and metrics see it exactly as a client's call.
 */

/** What code mode needs of the gateway (the Gateway itself; an interface for tests). */
export type CodeModeGateway = SessionCalls

export const CODE_MODE_TOOL = 'code-mode'
/** In logs and metrics, code-mode tools are this server's. */
const ORIGIN = 'code-mode'
/** Tools one session may register (each holds its functions' descriptions). */
const MAX_PER_SESSION = 32
const NAME = /^[A-Za-z0-9_-]{1,40}$/

const codeModeTool: Tool = {
  name: CODE_MODE_TOOL,
  title: 'Create a code-mode tool',
  description:
    'Create a tool "code-mode-<name>", for this session only, that runs a JavaScript program in a sandbox where every tool of the given servers is an async function (e.g. `const r = await dice.roll_dice({sides: 20})`). Use it to chain several tool calls in one step and return only what matters. The new tool\'s description lists its functions.',
  inputSchema: {
    type: 'object',
    properties: {
      servers: {
        type: 'array',
        items: {type: 'string'},
        minItems: 1,
        description: 'servers whose tools the program may call',
      },
      name: {
        type: 'string',
        pattern: NAME.source,
        description: 'the new tool is called code-mode-<name>',
      },
    },
    required: ['servers', 'name'],
  },
}

/** One registered code-mode tool: its definition and its functions (namespace → function → exposed name). */
interface Registration {
  target: ToolTarget
}

export interface CodeModeOptions {
  limits?: Partial<SandboxLimits> | undefined
}

/** The layer for GatewayOptions.toolViews. `gateway` is read on each call (it is built after its options). */
export function codeModeLayer(gateway: () => CodeModeGateway, options: CodeModeOptions = {}): ToolViewLayer {
  const limits: SandboxLimits = {...DEFAULT_LIMITS, ...options.limits}
  // Keyed by the session object itself: a session that ends takes its tools with it.
  const bySession = new WeakMap<SessionRef, Map<string, Registration>>()
  const internal: ToolTarget = {
    origin: {server: ORIGIN, name: CODE_MODE_TOOL},
    tool: codeModeTool,
    answer: (call, context) => register(gateway(), call, context),
  }

  async function register(gw: CodeModeGateway, call: ToolCall, {session}: InternalCallContext) {
    // A script is likely next: its worker starts (and compiles QuickJS) in the background now.
    prewarmSandbox()
    const args = call.arguments ?? {}
    const name = args.name
    const servers = args.servers
    if (typeof name !== 'string' || !NAME.test(name))
      return toolError(
        `"name" must be 1 to 40 letters, digits, "_" or "-" (the tool will be code-mode-<name>); got ${JSON.stringify(name)}`,
      )
    if (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== 'string'))
      return toolError('"servers" must be a non-empty list of server names, e.g. ["dice"]')
    if (session.ephemeral)
      return toolError(
        'code-mode needs a session that lasts: this request is stateless (a 2026-07-28 HTTP request ends with its answer). Connect over stdio, or start a Streamable HTTP session with a 2025 protocol revision',
      )
    // The session's tools, by server: own tools as the session sees them (the access policy applies).
    const byServer = new Map<string, Array<{exposed: string; target: ToolTarget}>>()
    for (const exposed of gw.toolNames) {
      const target = gw.findTool(session, exposed)
      if (!target || target.answer) continue
      const list = byServer.get(target.origin.server) ?? []
      list.push({exposed, target})
      byServer.set(target.origin.server, list)
    }
    const unknown = servers.filter((s) => !byServer.has(s as string))
    if (unknown.length > 0)
      return toolError(
        `no tools of server(s) ${unknown.map((s) => `"${s}"`).join(', ')} are available to this session. Servers with tools: ${[...byServer.keys()].sort().join(', ') || 'none'}`,
      )
    const toolName = `${CODE_MODE_TOOL}-${name}`
    const mine = bySession.get(session) ?? new Map<string, Registration>()
    if (!mine.has(toolName) && gw.findTool(session, toolName))
      return toolError(`a tool named "${toolName}" exists already: choose another name`)
    if (!mine.has(toolName) && mine.size >= MAX_PER_SESSION)
      return toolError(
        `this session has ${MAX_PER_SESSION} code-mode tools already: reuse one (same name replaces it)`,
      )
    const namespaces = new Set<string>()
    const functions: Array<{ns: string; fn: string; exposed: string; tool: Tool}> = []
    for (const server of [...new Set(servers as string[])]) {
      const ns = identifier(server, namespaces, true)
      const fns = new Set<string>()
      for (const {exposed, target} of byServer.get(server)!)
        functions.push({ns, fn: identifier(target.origin.name, fns, false), exposed, tool: target.tool})
    }
    const tool: Tool = {
      name: toolName,
      description: describe(functions, limits),
      inputSchema: {
        type: 'object',
        properties: {
          script: {
            type: 'string',
            description:
              'JavaScript: the body of an async function. Call the functions with await, end with return <value>.',
          },
        },
        required: ['script'],
      },
    }
    const target: ToolTarget = {
      origin: {server: ORIGIN, name: toolName},
      tool,
      answer: (c, context) => runFor(gw, functions, c, context),
    }
    mine.set(toolName, {target})
    bySession.set(session, mine)
    gw.notifySession(session.id, 'tools')
    return {
      content: [
        {
          type: 'text',
          text: `Created ${toolName} for this session. Call it with {"script": "..."}; its functions:\n${functions.map((f) => signature(f.ns, f.fn, f.tool)).join('\n')}`,
        },
      ],
    } satisfies CallToolResult
  }

  async function runFor(
    gw: CodeModeGateway,
    functions: Array<{ns: string; fn: string; exposed: string}>,
    call: ToolCall,
    {session, ctx}: InternalCallContext,
  ): Promise<CallToolResult> {
    const script = call.arguments?.script
    if (typeof script !== 'string')
      return toolError(`${call.name} takes {"script": "<JavaScript>"}: the body of an async function`)
    const globals: Record<string, Record<string, HostFunction>> = {}
    for (const {ns, fn, exposed} of functions) {
      ;(globals[ns] ??= {})[fn] = async (args, signal) => {
        const target = gw.findTool(session, exposed)
        if (!target)
          throw new Error(
            `tool ${exposed} is no longer available to this session (its server was removed or it is not allowed)`,
          )
        return valueOf(
          await gw.callFor(session, target, {name: exposed, arguments: args}, scriptContext(ctx, signal)),
        )
      }
    }
    const outcome = await runScript({script, globals, limits, signal: ctx.mcpReq.signal})
    const logs =
      outcome.logs.length > 0 ? [{type: 'text' as const, text: `console:\n${outcome.logs.join('\n')}`}] : []
    if (!outcome.ok)
      return {
        isError: true,
        content: [{type: 'text', text: `${call.name}: ${outcome.error.message}`}, ...logs],
      }
    const value = outcome.value
    const text =
      value === undefined
        ? '(the script returned nothing)'
        : typeof value === 'string'
          ? value
          : JSON.stringify(value)
    return {
      content: [{type: 'text', text}, ...logs],
      structuredContent: {result: value ?? null, console: outcome.logs},
    }
  }

  return {
    name: 'code-mode',
    extra(session) {
      const mine = bySession.get(session)
      const all: Array<readonly [string, ToolTarget]> = [[CODE_MODE_TOOL, internal]]
      for (const [name, r] of mine ?? []) all.push([name, r.target])
      return all
    },
    find(session, name) {
      if (name === CODE_MODE_TOOL) return internal
      return bySession.get(session)?.get(name)?.target
    },
    reserved: () => [CODE_MODE_TOOL],
  }
}

/** The description of a code-mode tool: how to write the program, its functions, its limits. */
function describe(functions: Array<{ns: string; fn: string; tool: Tool}>, limits: SandboxLimits): string {
  return [
    "Runs a JavaScript program (the body of an async function) in a sandbox. Each function below is async and calls that tool: pass one object of arguments; it resolves to the tool's result (structuredContent, else its text parsed as JSON, else the text); a tool error throws. Return the value you want back (plain data); console.log lines come back too. No network, files, timers or modules.",
    `Limits per run: ${limits.timeoutMs / 1000} s, ${formatBytes(limits.memoryBytes)} memory, ${limits.maxCalls} tool calls, ${formatBytes(limits.maxResultBytes)} result.`,
    'Functions:',
    ...functions.map((f) => signature(f.ns, f.fn, f.tool)),
  ].join('\n')
}

/**
 * A script's call runs as a call of the script's own request, without its progress token (each tool
 * would restart the count) and without a 2026-07-28 round-trip state (the script is the caller): it
 * ends when the run ends.
 */
function scriptContext(ctx: ServerContext, signal: AbortSignal): ServerContext {
  const meta = {...(ctx.mcpReq._meta ?? {})} as Record<string, unknown>
  delete meta.progressToken
  return {
    ...ctx,
    mcpReq: {
      ...ctx.mcpReq,
      signal,
      _meta: meta,
      envelope: undefined,
      requestState: () => undefined,
      inputResponses: undefined,
    } as unknown as ServerContext['mcpReq'],
  }
}

/** A tool result as the script sees it: structured content, else text (parsed when it is JSON). */
function valueOf(result: CallToolResult): unknown {
  const texts = (result.content ?? []).filter((c) => c.type === 'text').map((c) => (c as {text: string}).text)
  if (result.isError) throw new Error(texts.join('\n') || 'the tool reported an error')
  if (result.structuredContent !== undefined) return result.structuredContent
  if (texts.length === 0) return result.content ?? []
  const text = texts.join('\n')
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

function toolError(message: string): CallToolResult {
  return {isError: true, content: [{type: 'text', text: message}]}
}
