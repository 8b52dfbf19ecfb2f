import http from 'k6/http'
import type { RefinedResponse } from 'k6/http'

export interface User {
  name: string
  tags: string[]
}

export enum Level { Low = 1, High = 2 }

/** A typed helper: the body's user, or undefined. */
export function userOf (res: RefinedResponse<'text'>): User | undefined {
  return res.json('user') as unknown as User | undefined
}

export function fetchJson<T extends object> (base: string): T {
  return http.get(`${base}/json`).json() as T
}
