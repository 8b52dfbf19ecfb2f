import { check } from 'k6'
import { randomIntBetween, randomItem, randomString, uuidv4 } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js'

export const options = { iterations: 5 }

export default function () {
  check(null, {
    'int in range': () => { const n = randomIntBetween(3, 5); return n >= 3 && n <= 5 && Number.isInteger(n) },
    'string length': () => randomString(12).length === 12,
    'item from list': () => ['a', 'b'].includes(randomItem(['a', 'b'])),
    'uuid v4': () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4()),
  })
}
