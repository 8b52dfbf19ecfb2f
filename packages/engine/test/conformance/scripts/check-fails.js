import http from 'k6/http'
import { check } from 'k6'

export const options = { vus: 2, iterations: 6 }

export default function () {
  const res = http.get(`${__ENV.BASE}/status/503`)
  const all = check(res, {
    'is 503': (r) => r.status === 503,
    'is 200': (r) => r.status === 200,
    'constant true': true,
  })
  if (all) throw new Error('check() must return false when one check fails')
}
