import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const bin = http.get(`${__ENV.BASE}/ok`, { responseType: 'binary' })
  const none = http.get(`${__ENV.BASE}/ok`, { responseType: 'none' })
  check(bin, { 'binary body': (r) => r.body instanceof ArrayBuffer && r.body.byteLength === 2 })
  check(none, { 'no body': (r) => r.body === null })
}
