import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Provider, type Configuration } from 'oidc-provider'

/** A user of the test provider: the login typed on its login page, and the groups its tokens claim. */
export interface ProviderUser { name: string, email: string, groups: string[] }

export interface OidcProvider {
  /** http://127.0.0.1:<port>, the issuer Loadfleet discovers. */
  issuer: string
  clientId: string
  clientSecret: string
  /** Registers the client with Loadfleet's callback URL, once the control plane listens. */
  register (redirectUri: string): void
  close (): Promise<void>
}

/**
 * A real OpenID Provider (the `oidc-provider` package) on 127.0.0.1 with its own login and consent pages: any password
 * is accepted for a known login, and each user's `groups` are released with the `groups` scope. PKCE is required.
 */
export async function startOidcProvider (users: Record<string, ProviderUser>): Promise<OidcProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server: Server = createServer((req, res) => {
    if (handler === undefined) {
      res.statusCode = 503
      res.end('provider not ready')
    } else handler(req, res)
  })
  await once(server.listen(0, '127.0.0.1'), 'listening')
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clientId = 'loadfleet-dashboard'
  const clientSecret = 'test-client-secret-0123456789'
  return {
    issuer,
    clientId,
    clientSecret,
    register (redirectUri) {
      const configuration: Configuration = {
        clients: [{
          client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
          grant_types: ['authorization_code'], response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        }],
        pkce: { methods: ['S256'], required: () => true },
        scopes: ['openid', 'email', 'profile', 'groups'],
        claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
        cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
        findAccount: (_ctx, id) => {
          const user = users[id]
          if (user === undefined) return undefined
          return { accountId: id, claims: () => ({ sub: id, name: user.name, email: user.email, groups: user.groups }) }
        },
      }
      const provider = new Provider(issuer, configuration)
      const callback = provider.callback()
      handler = (req, res) => { void callback(req, res) }
    },
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    },
  }
}
