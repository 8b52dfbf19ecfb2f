import http from 'k6/http'

export const PREFIX = 'lib'

export function getOk (base) {
  return http.get(`${base}/ok`)
}

export default function record (base, what) {
  return http.get(`${base}/record?from=${PREFIX}-${what}`)
}
