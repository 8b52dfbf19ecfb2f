import http from 'k6/http'

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } }

export default function () {
  http.get(`${__ENV.BASE}/record?vu=${__VU}&iter=${__ITER}`)
}
