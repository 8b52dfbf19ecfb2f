import { check } from 'k6'
import record, { getOk, PREFIX } from './lib/helpers.js'

export const options = { iterations: 2 }

export default function () {
  const res = getOk(__ENV.BASE)
  check(res, { 'helper returned the response': (r) => r.status === 200 && PREFIX === 'lib' })
  record(__ENV.BASE, __ITER)
}
