import http from 'k6/http'
import { check, group } from 'k6'

export const options = { iterations: 2, thresholds: { 'group_duration{group:::outer}': ['max<10000'] } }

export default function () {
  group('outer', function () {
    check(null, { 'in outer': () => true })
    group('inner', function () {
      const res = http.get(`${__ENV.BASE}/ok`)
      check(res, { 'in inner': (r) => r.status === 200 })
    })
  })
  check(null, { 'at root': () => true })
}
