import { isIP } from 'node:net'
import type { EgressRule } from '../egress.js'

/**
 * Whether every destination `inner` admits is also admitted by `outer`: how a child's egress is checked against its
 * parent's. Conservative where exactness would need address arithmetic (IPv6 subnets must be written the same).
 */
export function egressRuleCovers (outer: EgressRule, inner: EgressRule): boolean {
  const portsCovered = outer.ports === null ||
    (inner.ports !== null && outer.ports[0] <= inner.ports[0] && inner.ports[1] <= outer.ports[1])
  return portsCovered && hostCovers(outer, inner)
}

function hostCovers (outer: EgressRule, inner: EgressRule): boolean {
  const [o, i] = [outer.host, inner.host]
  if (o.kind === 'any') return true
  if (i.kind === 'any') return false
  if (o.kind === 'name') {
    if (i.kind !== 'name') return false
    if (!o.wildcard) return !i.wildcard && i.name === o.name
    return i.name.endsWith(`.${o.name}`) || (i.wildcard && i.name === o.name)
  }
  if (i.kind !== 'ip') return false
  const [outerText, innerText] = [hostText(outer.text), hostText(inner.text)]
  if (outerText === innerText) return true
  const [address, prefix] = innerText.split('/')
  if (address === undefined) return false
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6'
  if (prefix === undefined) return o.list.check(address, family)
  if (family !== 'ipv4') return false
  const [first, last] = ipv4Range(address, Number(prefix))
  return o.list.check(first, 'ipv4') && o.list.check(last, 'ipv4')
}

/** The host part of a rule's text: `[fd00::]/8:443` → `fd00::/8`, `10.0.0.0/8:80` → `10.0.0.0/8`. */
function hostText (text: string): string {
  const bracket = /^\[([^\]]+)\](\/\d+)?(?::.+)?$/.exec(text)
  if (bracket?.[1] !== undefined) return bracket[1] + (bracket[2] ?? '')
  return text.split(':').length === 2 ? text.slice(0, text.indexOf(':')) : text
}

function ipv4Range (address: string, bits: number): [string, string] {
  const value = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
  const size = 2 ** (32 - bits)
  const start = Math.floor(value / size) * size
  const toText = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
  return [toText(start), toText(start + size - 1)]
}
