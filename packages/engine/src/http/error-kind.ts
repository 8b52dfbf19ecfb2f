import type { ErrorKind } from '@loadfleet/core'

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'])
// Certificate verification codes come from OpenSSL without a common prefix.
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'INVALID_CA',
])

/** Maps a socket error to the error kinds the metrics count; `duringTls` because a handshake failure has many codes. */
export function errorKindOf (err: unknown, duringTls: boolean): ErrorKind {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED') return 'refused'
    if (RESET_CODES.has(code)) return 'reset'
    if (DNS_CODES.has(code)) return 'dns'
    if (code === 'ETIMEDOUT') return 'timeout'
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_')) {
      return 'tls'
    }
  }
  return duringTls ? 'tls' : 'other'
}
