import http from 'k6/http'
import { SharedArray } from 'k6/data'

const users = new SharedArray('users', function () {
  return JSON.parse(open('./data/users.json'))
})

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } }

export default function () {
  const user = users[(__VU - 1) * 2 + __ITER]
  http.get(`${__ENV.BASE}/record?user=${user.name}`)
}
