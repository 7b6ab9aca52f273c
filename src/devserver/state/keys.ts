/**
 * Consul orders keys by their UTF-8 bytes. Code-point order is the same thing; JavaScript's
 * `<` compares UTF-16 units, which differs for characters above U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Only surrogates (U+D800–U+DFFF) sort differently in UTF-16 and UTF-8.
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x - y) : x >= 0xe000 ? -1 : x - y
    return x - y
  }
  return a.length - b.length
}
