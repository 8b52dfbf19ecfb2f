import { sleep } from 'k6'

export const options = { iterations: 2 }

export default function () {
  sleep(0.1)
}
