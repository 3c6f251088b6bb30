import MiniSearch from 'minisearch'

import type {CatalogEntry} from '../../catalog/index.js'

/** One server of a catalog, as mcp-find searches it. */
export interface SearchEntry {
  name: string
  entry: CatalogEntry
}

interface Doc {
  id: string
  name: string
  title: string
  tools: string
  descriptions: string
}

/**
 * Ranked search over catalog servers (BM25+, by `minisearch`), weighted as Docker's mcp-find weighs its
 * fields: the server name ×4, its title ×3, its tool names ×2, its own and its tools' descriptions ×1.
 * Prefix and fuzzy matching let "dic" and "githb" find dice and github. Built once per catalog set.
 */
export class CatalogSearch {
  private readonly index: MiniSearch<Doc>
  private readonly byName: Map<string, SearchEntry>

  constructor(entries: Iterable<SearchEntry>) {
    this.byName = new Map([...entries].map((e) => [e.name, e]))
    this.index = new MiniSearch<Doc>({
      fields: ['name', 'title', 'tools', 'descriptions'],
      storeFields: [],
      // `github-official`, `roll_dice`: the parts of a name are words of their own.
      tokenize: (text) => text.split(/[\s\-_.,:;/()[\]{}"'`!?|]+/u).filter(Boolean),
      searchOptions: {
        boost: {name: 4, title: 3, tools: 2, descriptions: 1},
        prefix: true,
        fuzzy: (term) => (term.length > 4 ? 0.2 : false),
        combineWith: 'OR',
      },
    })
    this.index.addAll([...this.byName.values()].map(toDoc))
  }

  get size(): number {
    return this.byName.size
  }

  /** The best `limit` servers for `query`, best first (ties by name, so the order is stable). */
  search(query: string, limit: number): SearchEntry[] {
    const hits = this.index.search(query)
    hits.sort((a, b) => b.score - a.score || String(a.id).localeCompare(String(b.id)))
    return hits.slice(0, limit).map((h) => this.byName.get(String(h.id))!)
  }
}

function toDoc({name, entry}: SearchEntry): Doc {
  const tools = entry.tools ?? []
  return {
    id: name,
    name,
    title: entry.title ?? '',
    tools: tools.map((t) => t.name).join(' '),
    descriptions: [entry.description ?? '', ...tools.map((t) => t.description ?? '')].join('\n'),
  }
}
