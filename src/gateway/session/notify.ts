import type {Server} from '@modelcontextprotocol/server'

/** Tell one session's client that a list changed; a client already gone is no error. */
export function sendListChanged(server: Server, kind: 'tools' | 'prompts' | 'resources'): void {
  const sent =
    kind === 'tools'
      ? server.sendToolListChanged()
      : kind === 'prompts'
        ? server.sendPromptListChanged()
        : server.sendResourceListChanged()
  void sent.catch(() => {})
}
