import http from 'k6/http'

export const options = { vus: 2, iterations: 4 }

export function setup () {
  const res = http.post(`${__ENV.BASE}/login`)
  return { token: res.json('token'), list: [1, 2] }
}

export default function (data) {
  http.get(`${__ENV.BASE}/record?token=${data.token}&n=${data.list.length}`)
}

export function teardown (data) {
  http.get(`${__ENV.BASE}/record?teardown=${data.token}`)
}
