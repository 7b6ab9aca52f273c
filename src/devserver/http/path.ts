/** URL path handling the way Go's `net/url` and `http.ServeMux` do it. */

import { isGoPrintable } from '../go/quote.js'

/** Percent-decodes a path (`%2F` becomes `/`; `+` stays `+`). `undefined` for a bad escape. */
export function decodePath(raw: string): string | undefined {
  if (!raw.includes('%')) return raw
  const bytes: number[] = []
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i] as string
    if (char === '%') {
      const hex = raw.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else bytes.push(...Buffer.from(char, 'utf8'))
  }
  return Buffer.from(bytes).toString('utf8')
}

/** `cleanhttp.PrintablePathCheckHandler`: any rune `unicode.IsPrint` rejects fails the request. */
export function hasUnprintable(path: string): boolean {
  for (const char of path) if (!isGoPrintable(char)) return true
  return false
}

/** `path.Clean`: collapses `//`, resolves `.` and `..`, never climbs above `/`. */
function cleanAbsolute(path: string): string {
  const out: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  return `/${out.join('/')}`
}

/** `http.ServeMux`'s `cleanPath`: like `path.Clean` but a trailing slash survives. */
export function cleanPath(path: string): string {
  if (path === '') return '/'
  const rooted = path.startsWith('/') ? path : `/${path}`
  let clean = cleanAbsolute(rooted)
  if (rooted.endsWith('/') && clean !== '/') clean += '/'
  return clean
}

/** `url.URL{Path: p}.String()`-style escaping for a redirect `Location`. */
export function escapePath(path: string): string {
  let out = ''
  for (const byte of Buffer.from(path, 'utf8')) {
    const char = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~!$&'()*+,;=:@/]/.test(char)) out += char
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}
