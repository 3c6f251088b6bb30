import type {GetPromptResult, Prompt} from '@modelcontextprotocol/server'

export const DISCOVER_PROMPT: Prompt = {
  name: 'mcp-discover',
  title: 'How to find and add MCP servers',
  description: 'Tells the model how to use mcp-find, mcp-add, mcp-config-set, mcp-exec and mcp-remove.',
}

const TEXT = `You are connected to the Docker MCP gateway. Besides the tools you see, the gateway can add servers from its catalogs, for this conversation only:

1. mcp-find {"query": "..."} searches every catalog server by name, title, tool names and descriptions, best match first. Each hit says which tools it has, which secrets and settings it needs and whether they are set, and which tool names would clash with yours.
2. mcp-add {"name": "<server>"} starts the server and adds its tools to your list (you are told with notifications/tools/list_changed; list the tools again). It starts nothing when a secret is missing: it says which "docker mcp secret set" command the user must run. Never ask the user to paste a secret into the chat.
3. mcp-config-set {"server", "key", "value"} sets a setting a server needs (its schema is checked) before mcp-add. "persist": true writes it to config.yaml; mcp-add with "persist": true enables the server for every future session.
4. mcp-exec {"name": "<tool>", "arguments": {...}} calls any tool of an enabled server, also tools left out of your list: use it to keep your tool list short.
5. mcp-remove {"name": "<server>"} stops a server you added and removes its tools.

Add only what the task needs, and remove servers you no longer use.`

export function discoverPrompt(): GetPromptResult {
  return {
    description: DISCOVER_PROMPT.description,
    messages: [{role: 'user', content: {type: 'text', text: TEXT}}],
  }
}
