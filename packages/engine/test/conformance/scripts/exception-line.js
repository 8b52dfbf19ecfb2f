import http from 'k6/http'

export const options = { vus: 1, iterations: 4 }

function broken () {
  const res = http.get(`${__ENV.BASE}/json`)
  return res.json('user').missing.field
}

export default function () {
  if (__ITER % 2 === 0) broken()
  http.get(`${__ENV.BASE}/ok`)
}
