import { BlockList, isIP } from 'node:net'

/**
 * Where load may be sent: TARGET_ALLOW / TARGET_DENY lists of rules, enforced by the control plane when a target is
 * saved and by the agent before every connection, after DNS resolution.
 *
 * A rule is `HOST[:PORTS]`: HOST is a name (`example.com`), a wildcard (`*.example.com`, or `*` for any host), an
 * IPv4 address or CIDR (`10.0.0.0/8`), or an IPv6 address or CIDR in brackets when a port follows
 * (`[fd00::]/8:443`; bare `fd00::/8` otherwise); PORTS is a port or a range (`8000-8999`). `:22` alone is port 22
 * of any host.
 */
export interface EgressPolicy {
  allow: readonly EgressRule[]
  deny: readonly EgressRule[]
}

export interface EgressRule {
  /** The rule as written, quoted in refusals. */
  text: string
  /** Where the rule comes from: a setting, or built in. */
  source: 'TARGET_ALLOW' | 'TARGET_DENY' | 'built-in'
  host: { kind: 'any' } | { kind: 'name', name: string, wildcard: boolean } | { kind: 'ip', list: BlockList }
  ports: [number, number] | null
}

/**
 * Always denied, whatever the settings say: link-local addresses and the cloud metadata services, which hand out
 * credentials to whoever asks from inside a VM. Loopback stays allowed so the local quick start works.
 */
export const BUILT_IN_DENY = [
  '169.254.0.0/16', '169.254.169.254', 'fe80::/10', 'fd00:ec2::254', 'metadata.google.internal',
  'metadata.goog', '100.100.100.200',
]

function ipFamily (text: string): 'ipv4' | 'ipv6' | undefined {
  const v = isIP(text)
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined
}

function parsePorts (text: string): [number, number] | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text)
  if (match?.[1] === undefined) return undefined
  const lo = Number(match[1])
  const hi = match[2] === undefined ? lo : Number(match[2])
  return lo <= hi && hi <= 65535 ? [lo, hi] : undefined
}

function parseHost (text: string): EgressRule['host'] | undefined {
  if (text === '*' || text === '') return { kind: 'any' }
  const [address, prefix, extra] = text.split('/')
  const family = address === undefined ? undefined : ipFamily(address)
  if (family !== undefined && address !== undefined && extra === undefined) {
    const list = new BlockList()
    if (prefix === undefined) {
      list.addAddress(address, family)
    } else {
      const bits = Number(prefix)
      if (!/^\d{1,3}$/.test(prefix) || bits > (family === 'ipv4' ? 32 : 128)) return undefined
      list.addSubnet(address, bits, family)
    }
    return { kind: 'ip', list }
  }
  const wildcard = text.startsWith('*.')
  const name = (wildcard ? text.slice(2) : text).toLowerCase().replace(/\.$/, '')
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) return undefined
  return { kind: 'name', name, wildcard }
}

/** One rule, or undefined when it is not one. */
export function parseEgressRule (text: string, source: EgressRule['source']): EgressRule | undefined {
  let hostText = text
  let portText: string | undefined
  const bracket = /^\[([^\]]+)\](\/\d+)?(?::(.+))?$/.exec(text)
  if (bracket?.[1] !== undefined) {
    hostText = bracket[1] + (bracket[2] ?? '')
    portText = bracket[3]
  } else if (text.split(':').length === 2) {
    // One colon: HOST:PORTS (more colons are a bare IPv6 address or CIDR).
    const colon = text.indexOf(':')
    hostText = text.slice(0, colon)
    portText = text.slice(colon + 1)
  }
  const host = parseHost(hostText)
  const ports = portText === undefined ? null : parsePorts(portText)
  if (host === undefined || ports === undefined) return undefined
  if (host.kind === 'any' && ports === null) return { text, source, host, ports }
  return { text, source, host, ports }
}

/** Parses TARGET_ALLOW and TARGET_DENY (comma- or space-separated); `errors` names each rule that is not one. */
export function createEgressPolicy (settings: { allow?: string | undefined, deny?: string | undefined }):
{ policy: EgressPolicy, errors: string[] } {
  const errors: string[] = []
  const parse = (text: string | undefined, source: 'TARGET_ALLOW' | 'TARGET_DENY'): EgressRule[] => {
    const rules: EgressRule[] = []
    for (const item of (text ?? '').split(/[\s,]+/).filter((s) => s !== '')) {
      const rule = parseEgressRule(item, source)
      if (rule === undefined) {
        errors.push(`${source}: "${item}" is not a host, *.domain, IP address, CIDR or :port rule`)
      } else {
        rules.push(rule)
      }
    }
    return rules
  }
  const builtIn = BUILT_IN_DENY.map((text) => parseEgressRule(text, 'built-in') as EgressRule)
  return { policy: { allow: parse(settings.allow, 'TARGET_ALLOW'), deny: [...builtIn, ...parse(settings.deny, 'TARGET_DENY')] }, errors }
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it carries. */
function plainAddress (address: string): { address: string, family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1] !== undefined) return { address: mapped[1], family: 'ipv4' }
  const family = ipFamily(address)
  return family === undefined ? undefined : { address, family }
}

/** A destination: the host as written in the URL, its port, and (after DNS) the address connected to. */
export interface EgressDestination {
  host: string
  port: number
  /** Undefined before DNS resolution: then only name rules and literal addresses can decide. */
  address?: string | undefined
}

function matches (rule: EgressRule, host: string, address: ReturnType<typeof plainAddress>, port: number): boolean {
  if (rule.ports !== null && (port < rule.ports[0] || port > rule.ports[1])) return false
  switch (rule.host.kind) {
    case 'any': return true
    case 'name': {
      const { name, wildcard } = rule.host
      return wildcard ? host.endsWith(`.${name}`) : host === name
    }
    case 'ip': return address !== undefined && rule.host.list.check(address.address, address.family)
  }
}

function label (rule: EgressRule): string {
  return rule.source === 'built-in' ? `the built-in rule "${rule.text}" (link-local and cloud metadata)` : `${rule.source} rule "${rule.text}"`
}

/**
 * Why the policy refuses `destination`, or undefined. Before DNS (`address` unset) a host name is refused only by
 * name rules, and a name that only an address rule of TARGET_ALLOW could admit is let through to be decided after
 * resolution.
 */
export function egressRefusal (policy: EgressPolicy, destination: EgressDestination): string | undefined {
  const host = destination.host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  const address = plainAddress(destination.address ?? host)
  const where = `${destination.address !== undefined && destination.address !== host ? `${host} (${destination.address})` : host}:${destination.port}`
  for (const rule of policy.deny) {
    if (matches(rule, host, address, destination.port)) return `${where} is denied by ${label(rule)}`
  }
  if (policy.allow.length === 0) return undefined
  if (policy.allow.some((rule) => matches(rule, host, address, destination.port))) return undefined
  const undecided = address === undefined && policy.allow.some((rule) => rule.host.kind === 'ip')
  return undecided ? undefined : `${where} matches no TARGET_ALLOW rule`
}

/** The port a URL connects to. */
export function portOf (url: URL): number {
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
}
