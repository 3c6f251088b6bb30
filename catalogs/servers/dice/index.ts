/**
 * Entry point of the dice server image: MCP over stdio. stdout carries JSON-RPC only, so the one log
 * line goes to stderr.
 */
import {serveStdio} from '@modelcontextprotocol/server/stdio'

import {createDiceServer, VERSION} from './server.js'

// serveStdio picks the protocol era from the client's opening message and serves both.
serveStdio(() => createDiceServer(), {onerror: (err) => process.stderr.write(`dice: ${err.message}\n`)})
process.stderr.write(`dice MCP server ${VERSION} on stdio\n`)
