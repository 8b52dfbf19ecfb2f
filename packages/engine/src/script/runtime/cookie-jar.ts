/** One stored cookie. `domain` is the host it was set by, or the Domain attribute (then sub-domains match too). */
interface StoredCookie {
  name: string
  value: string
  domain: string
  hostOnly: boolean
  path: string
  /** Epoch ms; undefined for a session cookie. */
  expiresAt: number | undefined
  secure: boolean
}

function domainMatches (host: string, c: StoredCookie): boolean {
  if (c.hostOnly) return host === c.domain
  return host === c.domain || host.endsWith(`.${c.domain}`)
}

function pathMatches (path: string, cookiePath: string): boolean {
  return path === cookiePath || (path.startsWith(cookiePath) &&
    (cookiePath.endsWith('/') || path.charAt(cookiePath.length) === '/'))
}

/** The directory of a request path, the default cookie path (RFC 6265 §5.1.4). */
function defaultPath (path: string): string {
  const at = path.lastIndexOf('/')
  return at <= 0 ? '/' : path.slice(0, at)
}

/**
 * A VU's cookie jar, as k6 keeps one per VU: cookies a response sets are sent back on later requests that match
 * their domain, path and secure flag, until they expire.
 */
export class CookieJar {
  readonly #cookies: StoredCookie[] = []

  get size (): number {
    return this.#cookies.length
  }

  /** Stores the cookies of a response's Set-Cookie headers. */
  storeFrom (url: URL, headers: ReadonlyArray<[string, string]>): void {
    for (const [name, value] of headers) {
      if (name.length === 10 && name.toLowerCase() === 'set-cookie') this.#store(url, value)
    }
  }

  #store (url: URL, header: string): void {
    const [pair = '', ...attributes] = header.split(';')
    const at = pair.indexOf('=')
    if (at <= 0) return
    const cookie: StoredCookie = {
      name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), domain: url.hostname, hostOnly: true,
      path: defaultPath(url.pathname), expiresAt: undefined, secure: false,
    }
    for (const attr of attributes) {
      const eq = attr.indexOf('=')
      const key = (eq === -1 ? attr : attr.slice(0, eq)).trim().toLowerCase()
      const val = eq === -1 ? '' : attr.slice(eq + 1).trim()
      if (key === 'domain' && val !== '') {
        cookie.domain = val.replace(/^\./, '').toLowerCase()
        cookie.hostOnly = false
      } else if (key === 'path' && val.startsWith('/')) cookie.path = val
      else if (key === 'max-age' && /^-?\d+$/.test(val)) cookie.expiresAt = Date.now() + Number(val) * 1000
      else if (key === 'expires' && cookie.expiresAt === undefined) {
        const t = Date.parse(val)
        if (!Number.isNaN(t)) cookie.expiresAt = t
      } else if (key === 'secure') cookie.secure = true
    }
    // A cookie for another site is ignored, as a browser (and Go's jar) would.
    if (!cookie.hostOnly && !domainMatches(url.hostname, { ...cookie, hostOnly: false })) return
    this.set(cookie)
  }

  /** Adds or replaces a cookie (same name, domain and path); an expired one is removed. */
  set (cookie: StoredCookie): void {
    const at = this.#cookies.findIndex((c) =>
      c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path)
    if (at !== -1) this.#cookies.splice(at, 1)
    if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.#cookies.push(cookie)
  }

  /** `name=value; …` for a request to `url`, or undefined when no cookie applies. */
  headerFor (url: URL): string | undefined {
    const now = Date.now()
    const parts: string[] = []
    for (const c of this.#cookies) {
      if (c.expiresAt !== undefined && c.expiresAt <= now) continue
      if (c.secure && url.protocol !== 'https:') continue
      if (domainMatches(url.hostname, c) && pathMatches(url.pathname, c.path)) parts.push(`${c.name}=${c.value}`)
    }
    return parts.length === 0 ? undefined : parts.join('; ')
  }

  /** k6's `http.cookieJar()` object. */
  api (): Record<string, unknown> {
    return {
      set: (url: string, name: string, value: string, options: { domain?: string, path?: string } = {}) => {
        const u = new URL(url)
        this.set({ name, value, domain: options.domain ?? u.hostname, hostOnly: options.domain === undefined,
          path: options.path ?? '/', expiresAt: undefined, secure: false })
      },
      cookiesForURL: (url: string) => {
        const out: Record<string, string[]> = {}
        for (const part of (this.headerFor(new URL(url)) ?? '').split('; ')) {
          const at = part.indexOf('=')
          if (at > 0) (out[part.slice(0, at)] ??= []).push(part.slice(at + 1))
        }
        return out
      },
      clear: (url: string) => {
        const host = new URL(url).hostname
        for (let i = this.#cookies.length - 1; i >= 0; i--) {
          const c = this.#cookies[i]
          if (c !== undefined && domainMatches(host, c)) this.#cookies.splice(i, 1)
        }
      },
      delete: (url: string, name: string) => {
        const host = new URL(url).hostname
        for (let i = this.#cookies.length - 1; i >= 0; i--) {
          const c = this.#cookies[i]
          if (c !== undefined && c.name === name && domainMatches(host, c)) this.#cookies.splice(i, 1)
        }
      },
    }
  }
}
