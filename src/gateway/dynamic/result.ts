import type {CallToolResult} from '@modelcontextprotocol/server'

/** A tool answer: text for the model, with the same data as structured content when there is some. */
export function answer(text: string, data?: Record<string, unknown>): CallToolResult {
  return {content: [{type: 'text', text}], ...(data ? {structuredContent: data} : {})}
}

/** A tool error (`isError: true`): what happened, then what to do about it. */
export function refuse(what: string, todo?: string): CallToolResult {
  return {content: [{type: 'text', text: todo ? `${what}. ${todo}` : what}], isError: true}
}

/** A required string argument, or undefined when it is missing or not a string. */
export function stringArg(args: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = args?.[key]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}
