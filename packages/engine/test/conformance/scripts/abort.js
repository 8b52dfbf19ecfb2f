import http from 'k6/http'
import exec from 'k6/execution'

export const options = { vus: 1, iterations: 10 }

export default function () {
  http.get(`${__ENV.BASE}/ok`)
  if (__ITER === 2) exec.test.abort('enough')
}
