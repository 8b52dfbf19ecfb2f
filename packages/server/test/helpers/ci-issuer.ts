import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose'

/**
 * A CI provider's token issuer on 127.0.0.1, as GitHub Actions and GitLab publish theirs: a discovery document
 * naming a JWKS URL, and the JWKS with one RS256 public key. It signs tokens as a pipeline would be given them.
 */
export interface CiIssuer {
  issuer: string
  /** A token signed as this issuer, `iat` now and `exp` in 5 minutes unless `claims` say otherwise. */
  sign (claims: JWTPayload, options?: { key?: CryptoKey, kid?: string }): Promise<string>
  /** Requests the JWKS was fetched with (to see it is cached). */
  jwksFetches (): number
  close (): Promise<void>
}

export const CI_KID = 'ci-key-1'

export async function startCiIssuer (): Promise<CiIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const jwk = { ...await exportJWK(publicKey), kid: CI_KID, alg: 'RS256', use: 'sig' }
  let fetches = 0
  let issuer = ''
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] }))
    } else if (req.url === '/.well-known/jwks') {
      fetches++
      res.end(JSON.stringify({ keys: [jwk] }))
    } else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await once(server.listen(0, '127.0.0.1'), 'listening')
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    issuer,
    async sign (claims, options = {}) {
      const now = Math.floor(Date.now() / 1000)
      return await new SignJWT({ iss: issuer, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? CI_KID, typ: 'JWT' })
        .sign(options.key ?? privateKey)
    },
    jwksFetches: () => fetches,
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    },
  }
}
