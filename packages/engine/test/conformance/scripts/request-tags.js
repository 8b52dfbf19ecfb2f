import http from 'k6/http'
import { check, group } from 'k6'

export const options = {
  iterations: 2,
  thresholds: {
    'http_reqs{type:api}': ['count==2'],
    'http_reqs{group:::checkout}': ['count==2'],
    'http_req_duration{group:::checkout}': ['max<5000'],
  },
}

export default function () {
  http.get(`${__ENV.BASE}/ok`, { tags: { type: 'api' } })
  group('checkout', function () {
    http.get(http.url`${__ENV.BASE}/ok?step=${__ITER}`)
  })
  const res = http.get(`${__ENV.BASE.replace('http://', 'http://ann:s3cret@')}/headers`)
  check(res, { 'basic auth from the URL': (r) => r.json('authorization') === `Basic ${'YW5uOnMzY3JldA=='}` })
}
