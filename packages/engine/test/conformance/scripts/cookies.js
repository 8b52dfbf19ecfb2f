import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const set = http.get(`${__ENV.BASE}/set-cookie`)
  const sent = http.get(`${__ENV.BASE}/headers`)
  http.cookieJar().set(__ENV.BASE, 'extra', '1')
  const more = http.get(`${__ENV.BASE}/headers`, { cookies: { own: 'x' } })
  check(null, {
    'response lists the cookie': () => set.cookies.session[0].value === 'abc',
    'jar sends it back': () => sent.json('cookie') === 'session=abc',
    'jar set and params cookies': () => more.json('cookie') === 'session=abc; extra=1; own=x',
  })
}
