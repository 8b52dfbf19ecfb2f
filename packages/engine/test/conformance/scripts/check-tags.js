import { check, group } from 'k6'

export const options = {
  iterations: 2,
  thresholds: {
    'checks{kind:api}': ['rate==1'],
    'checks{check:web}': ['rate==0'],
    'checks{group:::g}': ['rate==1'],
  },
}

export default function () {
  check(1, { 'api': (v) => v === 1 }, { kind: 'api' })
  check(1, { 'web': (v) => v === 2 }, { kind: 'web' })
  group('g', () => {
    check(1, { 'in g': () => true })
  })
}
