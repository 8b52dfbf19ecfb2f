import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 2 }

export default function () {
  const payload = JSON.stringify({ name: 'ann', n: __ITER })
  const res = http.post(`${__ENV.BASE}/echo`, payload, { headers: { 'Content-Type': 'application/json' } })
  check(res, {
    'method is POST': (r) => r.json('method') === 'POST',
    'body echoed': (r) => JSON.parse(r.json('body')).name === 'ann',
    'content type sent': (r) => r.json('contentType') === 'application/json',
  })
}
