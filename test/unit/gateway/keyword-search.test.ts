import assert from 'node:assert/strict'
import {test} from 'node:test'

import {KeywordSearch} from '../../../src/gateway/pipeline/keyword-search.js'

/** Every occurrence of every word, as a case-insensitive (`i`, no `u`) regular expression finds them. */
function reference(words: readonly string[], text: string): string[] {
  const found: string[] = []
  for (let end = 1; end <= text.length; end++)
    words.forEach((word, index) => {
      const start = end - word.length
      if (
        start >= 0 &&
        new RegExp(`^${word.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}$`, 'i').test(text.slice(start, end))
      )
        found.push(`${index}@${start}`)
    })
  return found
}

/** What the search finds, in its order, which must be the order the occurrences end in. */
function search(words: readonly string[], text: string): string[] {
  const found: Array<[number, number]> = []
  new KeywordSearch(words).forEach(text, (word, start) => found.push([word, start]))
  const ends = found.map(([word, start]) => start + words[word]!.length)
  assert.deepEqual(
    ends,
    [...ends].sort((a, b) => a - b),
    'in the order they end',
  )
  // Words that end at the same place come in no particular order: sorted like the reference.
  return found
    .map(([word, start], i) => [ends[i]!, word, start] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, word, start]) => `${word}@${start}`)
}

test('every occurrence: overlapping, inside other words, prefixes of others, in the order they end', () => {
  const words = ['sk', 'sk-', 'sk-ant-', 'ask', 'key', '"type', 'a']
  const text = 'Ask SK-ANT-x sk-sk- monkey "TYPE "type'
  assert.deepEqual(search(words, text), reference(words, text))
  assert.ok(search(words, text).includes('2@4'), 'sk-ant- at 4, upper case')
})

test('case is folded for A-Z only, as a regular expression without the u flag folds it', () => {
  // ſ (long s) and K (Kelvin sign) lower-case to ASCII letters, but /s/i and /k/i do not match them.
  assert.deepEqual(search(['sk'], '\u017Fk s\u212A SK'), ['0@6'])
  assert.deepEqual(search(['sk'], '\u017Fk s\u212A SK'), reference(['sk'], '\u017Fk s\u212A SK'))
  // Non-ASCII characters end a partial match.
  assert.deepEqual(search(['abc'], 'ab\u00e9abc'), ['0@3'])
})

test("random texts over the words' own letters: the same occurrences as the reference", () => {
  let seed = 20261201
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n)
  const words = ['ab', 'abab', 'b_', 'ba', 'bab', 'A-b', 'xoxb-', 'x', '"t']
  const letters = 'abABx-_"tT\u00e9 o'
  for (let i = 0; i < 300; i++) {
    let text = ''
    for (let n = random(40); n > 0; n--) text += letters[random(letters.length)]
    assert.deepEqual(search(words, text), reference(words, text), JSON.stringify(text))
  }
})

test('a word must be ASCII and not empty', () => {
  assert.throws(() => new KeywordSearch(['']), /not an ASCII word/)
  assert.throws(() => new KeywordSearch(['caf\u00e9']), /not an ASCII word/)
})
