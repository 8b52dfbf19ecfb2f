import http from 'k6/http'
import { fail } from 'k6'

export const options = { iterations: 3 }

export default function () {
  if (__ITER === 1) {
    fail('stop here')
  }
  http.get(`${__ENV.BASE}/ok`)
}
