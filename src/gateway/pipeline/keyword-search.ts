/**
 * Finds every occurrence of a set of ASCII words in a text, ignoring case, in one pass: an Aho–Corasick
 * automaton compiled to a table. The secret scanner runs it over every large tool call and answer (twice
 * per call); a case-insensitive alternation of ~100 words cost 7–12 ms a MiB there, since a regular
 * expression engine tries the alternation again at every position, while this costs one table lookup per
 * character whatever the words.
 *
 * Case is folded for A–Z only, as a regular expression with the `i` flag and without `u` folds it: no
 * character beyond ASCII matches an ASCII one there either.
 */
export class KeywordSearch {
  /** The words, lower-cased, by index. */
  readonly words: readonly string[]
  /**
   * The automaton: `next[state * 128 + code]` is the state after the character `code` (below 128; upper
   * case leads where lower case does). A table of 128 columns a state costs more memory than one of the
   * words' own characters, but saves a lookup per character: twice as fast on base64.
   */
  private readonly next: Uint16Array | Uint32Array
  /** For each state, whether words end there, and which (its own and those its failure links reach). */
  private readonly final: Uint8Array
  private readonly ends: Array<readonly number[] | undefined>

  constructor(words: readonly string[]) {
    this.words = words.map((w) => w.toLowerCase())
    for (const word of this.words)
      if (word.length === 0 || [...word].some((c) => c.charCodeAt(0) >= 128))
        throw new Error(`not an ASCII word: ${JSON.stringify(word)}`)

    // The trie, then its failure links breadth first, folded into a complete table.
    const children: Array<Map<number, number>> = [new Map()]
    const own: number[][] = [[]]
    this.words.forEach((word, index) => {
      let state = 0
      for (let i = 0; i < word.length; i++) {
        const code = word.charCodeAt(i)
        let child = children[state]!.get(code)
        if (child === undefined) {
          child = children.push(new Map()) - 1
          own.push([])
          children[state]!.set(code, child)
        }
        state = child
      }
      own[state]!.push(index)
    })
    const states = children.length
    const next = states <= 0xffff ? new Uint16Array(states * 128) : new Uint32Array(states * 128)
    const fail = new Uint32Array(states)
    const ends: Array<number[] | undefined> = new Array(states)
    const final = new Uint8Array(states)
    const queue: number[] = []
    for (const [code, child] of children[0]!) {
      next[code] = child
      queue.push(child)
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!
      const found = [...own[state]!, ...(ends[fail[state]!] ?? [])]
      if (found.length > 0) {
        ends[state] = found
        final[state] = 1
      }
      for (let code = 0; code < 128; code++) {
        const child = children[state]!.get(code)
        const fallback = next[fail[state]! * 128 + code]!
        if (child === undefined) next[state * 128 + code] = fallback
        else {
          next[state * 128 + code] = child
          fail[child] = fallback
          queue.push(child)
        }
      }
    }
    for (let state = 0; state < states; state++)
      for (let code = 65; code <= 90; code++) next[state * 128 + code] = next[state * 128 + code + 32]!
    this.next = next
    this.final = final
    this.ends = ends
  }

  /**
   * Calls `found(word, start)` for every occurrence of every word, overlapping ones and words inside
   * others too, in the order they end (so each word's starts come in increasing order).
   */
  forEach(text: string, found: (word: number, start: number) => void): void {
    const {next, final, ends, words} = this
    let state = 0
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code >= 128) {
        state = 0
        continue
      }
      state = next[(state << 7) | code]!
      if (final[state] !== 0) for (const word of ends[state]!) found(word, i + 1 - words[word]!.length)
    }
  }
}
