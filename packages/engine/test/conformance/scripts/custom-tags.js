import { Trend } from 'k6/metrics'

const latency = new Trend('step_latency')

export const options = {
  iterations: 4,
  thresholds: { 'step_latency{kind:a}': ['max<=2'], 'step_latency{kind:b}': ['min>=100'] },
}

export default function () {
  latency.add(__ITER < 2 ? 1 + __ITER : 100 + __ITER, { kind: __ITER < 2 ? 'a' : 'b' })
}
