import http from 'k6/http'
import { check, sleep } from 'k6'

export const options = { iterations: 1 }

const api = {
  base: __ENV.BASE,
  fetch (path) {
    return http.get(`${this.base}${path}`)
  },
}

class Client {
  constructor (base) {
    this.base = base
  }

  login () {
    return http.post(`${this.base}/login`).json('token')
  }
}

function retry (fn, times) {
  for (let i = 0; i < times; i++) {
    const res = fn()
    if (res.status === 200) return res
    sleep(0.01)
  }
  return null
}

export default function () {
  const token = new Client(__ENV.BASE).login()
  const res = retry(() => api.fetch('/json'), 3)
  const chained = http.get(`${__ENV.BASE}/json`).json('user').tags.length
  for (const path of ['/ok', '/json']) api.fetch(path)
  check(res, {
    'method via object': (r) => r !== null && r.json('n') === 3,
    'class method': () => token === 'T1',
    'chained call': () => chained === 2,
  })
}
