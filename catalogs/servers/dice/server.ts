/**
 * The example `dice` MCP server: two tools, no configuration, no network. It shows the shape of a
 * server the toolkit runs in a container: an McpServer whose tools validate their arguments with zod
 * and answer with text for the model plus structured content for programs.
 */
import {randomInt} from 'node:crypto'

import {McpServer} from '@modelcontextprotocol/server'
import * as z from 'zod'

/** A source of integers in [min, max): injectable so tests can load the dice. */
export type RandomInt = (min: number, max: number) => number

export const VERSION = '1.0.0'

const rollInput = z.object({
  sides: z.number().int().min(2).max(1000).default(6).describe('Number of sides on each die (2-1000)'),
  count: z.number().int().min(1).max(100).default(1).describe('Number of dice to roll (1-100)'),
})

const rollOutput = z.object({
  sides: z.number().int(),
  count: z.number().int(),
  rolls: z.array(z.number().int()),
  total: z.number().int(),
})

const flipOutput = z.object({result: z.enum(['heads', 'tails'])})

/** A new dice server (one per connection). */
export function createDiceServer(random: RandomInt = randomInt): McpServer {
  const server = new McpServer({name: 'dice', version: VERSION}, {capabilities: {tools: {}}})

  server.registerTool(
    'roll_dice',
    {
      title: 'Roll dice',
      description: 'Roll one or more dice with the given number of sides and return each roll and the total.',
      inputSchema: rollInput,
      outputSchema: rollOutput,
      annotations: {readOnlyHint: true, openWorldHint: false},
    },
    async ({sides, count}) => {
      const rolls = Array.from({length: count}, () => random(1, sides + 1))
      const total = rolls.reduce((sum, roll) => sum + roll, 0)
      return {
        content: [{type: 'text', text: `🎲 Rolled ${count}d${sides}: ${rolls.join(', ')} (total ${total})`}],
        structuredContent: {sides, count, rolls, total},
      }
    },
  )

  server.registerTool(
    'flip_coin',
    {
      title: 'Flip a coin',
      description: 'Flip a fair coin: heads or tails.',
      outputSchema: flipOutput,
      annotations: {readOnlyHint: true, openWorldHint: false},
    },
    async () => {
      const result = random(0, 2) === 0 ? 'heads' : 'tails'
      return {
        content: [{type: 'text', text: `🪙 ${result === 'heads' ? 'Heads' : 'Tails'}`}],
        structuredContent: {result},
      }
    },
  )

  return server
}
