import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {CatalogEntry} from '../../../../src/catalog/index.js'
import {CatalogSearch} from '../../../../src/gateway/dynamic/search.js'

const entry = (e: Partial<CatalogEntry>): CatalogEntry => ({type: 'server', image: 'x', ...e}) as CatalogEntry

const CATALOG = [
  {
    name: 'dice',
    entry: entry({
      title: 'Dice',
      description: 'Roll dice',
      tools: [{name: 'roll_dice', description: 'Roll'}],
    }),
  },
  {
    name: 'github-official',
    entry: entry({
      title: 'GitHub',
      description: 'Issues, pull requests and repositories',
      tools: [
        {name: 'create_issue', description: 'Open an issue'},
        {name: 'list_pulls', description: 'List pull requests'},
      ],
    }),
  },
  {
    name: 'tabletop',
    // Mentions dice only in its description: found, but after the server named dice.
    entry: entry({title: 'Tabletop helper', description: 'Tracks initiative; can also roll dice'}),
  },
  {
    name: 'notes',
    entry: entry({title: 'Notes', description: 'Write notes, mentions create_issue in passing'}),
  },
]

test('the server named like the query ranks first (name ×4 over description ×1)', () => {
  const hits = new CatalogSearch(CATALOG).search('dice', 10).map((h) => h.name)
  assert.equal(hits[0], 'dice')
  assert.ok(hits.includes('tabletop'))
  assert.ok(hits.indexOf('tabletop') > hits.indexOf('dice'))
})

test('a tool name (×2) outranks the same word in a description (×1)', () => {
  const hits = new CatalogSearch(CATALOG).search('create_issue', 10).map((h) => h.name)
  assert.equal(hits[0], 'github-official')
  assert.ok(hits.includes('notes'))
})

test('parts of names, prefixes and typos still find the server', () => {
  const search = new CatalogSearch(CATALOG)
  assert.equal(search.search('github', 1)[0]?.name, 'github-official')
  assert.equal(search.search('gith', 1)[0]?.name, 'github-official')
  assert.equal(search.search('githb', 1)[0]?.name, 'github-official')
  assert.equal(search.search('pull requests', 1)[0]?.name, 'github-official')
})

test('limit caps the hits; nothing matching gives nothing; the order is stable', () => {
  const search = new CatalogSearch(CATALOG)
  assert.equal(search.search('roll dice issue notes', 2).length, 2)
  assert.deepEqual(search.search('kubernetes', 5), [])
  assert.deepEqual(search.search('dice', 10), search.search('dice', 10))
})
