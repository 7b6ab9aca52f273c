/**
 * `base64.StdEncoding.Decode` with Go's `illegal base64 data at input byte N` errors (the
 * byte offsets differ from what Node's lenient decoder would let us compute). CR and LF are
 * skipped, padding is required, non-zero trailing bits are tolerated (non-strict mode).
 */

export class GoBase64Error extends Error {
  override readonly name = 'GoBase64Error'
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`)
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DECODE = new Int16Array(256).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i
const PAD = 0x3d
const isNewline = (b: number | undefined): boolean => b === 0x0a || b === 0x0d

export function goBase64Decode(text: string): Buffer {
  const src = Buffer.from(text, 'utf8')
  const out: number[] = []
  let si = 0
  while (si < src.length) {
    const quantum = [0, 0, 0, 0]
    let length = 4
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out)
        throw new GoBase64Error(si - j)
      }
      const byte = src[si] as number
      si++
      const decoded = DECODE[byte] as number
      if (decoded >= 0) {
        quantum[j] = decoded
        continue
      }
      if (isNewline(byte)) {
        j--
        continue
      }
      if (byte !== PAD) throw new GoBase64Error(si - 1)
      // Padding: only valid after two or three data characters.
      if (j < 2) throw new GoBase64Error(si - 1)
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++
        if (si === src.length) throw new GoBase64Error(src.length)
        if (src[si] !== PAD) throw new GoBase64Error(si - 1)
        si++
      }
      while (si < src.length && isNewline(src[si])) si++
      if (si < src.length) throw new GoBase64Error(si)
      length = j
      break
    }
    const value =
      ((quantum[0] as number) << 18) |
      ((quantum[1] as number) << 12) |
      ((quantum[2] as number) << 6) |
      (quantum[3] as number)
    const bytes = [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]
    out.push(...bytes.slice(0, length - 1))
    if (length < 4) break
  }
  return Buffer.from(out)
}
