import http from 'k6/http'

export const options = { scenarios: { each: { executor: 'per-vu-iterations', vus: 3, iterations: 3 } } }

let calls = 0

export default function () {
  calls++
  http.get(`${__ENV.BASE}/record?vu=${__VU}&calls=${calls}`)
}
