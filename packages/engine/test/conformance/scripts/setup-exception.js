import http from 'k6/http'

export const options = { iterations: 2 }

export function setup () {
  throw new Error('no token')
}

export default function () {
  http.get(`${__ENV.BASE}/ok`)
}
