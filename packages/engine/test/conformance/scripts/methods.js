import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const url = `${__ENV.BASE}/method`
  const results = [
    http.put(url, 'a'),
    http.patch(url, 'b'),
    http.del(url),
    http.head(url),
    http.options(url),
    http.request('POST', url, { field: 'x y' }),
  ]
  check(results, {
    'put': (r) => r[0].body === 'PUT',
    'patch': (r) => r[1].body === 'PATCH',
    'del': (r) => r[2].body === 'DELETE',
    'head has no body': (r) => r[3].status === 200 && r[3].body === '',
    'options': (r) => r[4].body === 'OPTIONS',
    'request': (r) => r[5].body === 'POST',
  })
}
