import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const responses = http.batch([
    `${__ENV.BASE}/ok`,
    ['POST', `${__ENV.BASE}/echo`, 'hi'],
    { method: 'GET', url: `${__ENV.BASE}/json` },
  ])
  const named = http.batch({ a: `${__ENV.BASE}/ok`, b: `${__ENV.BASE}/status/201` })
  check(responses, {
    'three responses': (r) => r.length === 3,
    'in order': (r) => r[0].body === 'ok' && r[1].json('body') === 'hi' && r[2].json('n') === 3,
  })
  check(named, { 'by name': (r) => r.a.status === 200 && r.b.status === 201 })
}
