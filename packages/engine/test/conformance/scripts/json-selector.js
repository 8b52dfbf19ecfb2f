import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const res = http.get(`${__ENV.BASE}/json`)
  check(res, {
    'nested': (r) => r.json('user.name') === 'ann',
    'index': (r) => r.json('user.tags.1') === 'b',
    'whole': (r) => r.json().n === 3,
    'missing': (r) => r.json('user.nope') === undefined,
    'timings': (r) => r.timings.duration >= 0 && typeof r.timings.waiting === 'number',
    'status text': (r) => r.status_text === '200 OK',
  })
}
