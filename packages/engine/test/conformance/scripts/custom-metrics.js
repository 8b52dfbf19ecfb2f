import { Gauge, Rate, Trend } from 'k6/metrics'

const queue = new Gauge('queue_depth')
const okRate = new Rate('ok_rate')
const size = new Trend('payload_size')
const wait = new Trend('wait_time', true)

export const options = { iterations: 4, thresholds: { ok_rate: ['rate>=0.5'], payload_size: ['max<=40'] } }

export default function () {
  queue.add(__ITER + 1)
  okRate.add(__ITER % 2 === 0)
  size.add((__ITER + 1) * 10)
  wait.add(2.5)
}
