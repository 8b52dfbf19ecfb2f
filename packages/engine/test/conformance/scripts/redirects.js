import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const followed = http.get(`${__ENV.BASE}/redirect`)
  const kept = http.get(`${__ENV.BASE}/redirect`, { redirects: 0 })
  check(followed, {
    'followed to 200': (r) => r.status === 200,
    'final url': (r) => r.url.endsWith('/ok'),
  })
  check(kept, { 'not followed': (r) => r.status === 302 })
}
