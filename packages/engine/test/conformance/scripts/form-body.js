import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const res = http.post(`${__ENV.BASE}/echo`, { user: 'ann lee', n: 2 })
  check(res, {
    'form encoded': (r) => r.json('body') === 'user=ann+lee&n=2',
    'form content type': (r) => r.json('contentType') === 'application/x-www-form-urlencoded',
  })
}
