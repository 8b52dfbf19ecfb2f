import { Counter } from 'k6/metrics'

const orders = new Counter('orders')

export const options = { vus: 2, iterations: 5, thresholds: { orders: ['count==15'] } }

export default function () {
  orders.add(3)
}
