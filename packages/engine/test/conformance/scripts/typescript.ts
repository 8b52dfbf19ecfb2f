import http from 'k6/http'
import { check } from 'k6'
import type { Options } from 'k6/options'
import { Level, fetchJson, userOf, type User } from './lib/typed.ts'

interface Payload {
  n: number
  user?: User
}

export const options: Options = { vus: 1, iterations: 2 }

let seen: number = 0

export default function (): void {
  const body = fetchJson<Payload>(__ENV.BASE)
  const user = userOf(http.get(`${__ENV.BASE}/json`))
  seen += 1
  check(body, {
    'typed body': (b: Payload) => b.n === 3 && b.user?.name === 'ann',
    'enum and state': () => Level.High === 2 && seen === __ITER + 1,
  })
  if (__ITER === 1) {
    const missing = user!.tags as unknown as { nope: { deeper: string } }
    console.log(missing.nope.deeper)
  }
}
