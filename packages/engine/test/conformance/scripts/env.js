import http from 'k6/http'

export const options = { iterations: 1 }

const path = __ENV.TARGET_PATH || '/missing'

export default function () {
  http.get(`${__ENV.BASE}/record?path=${path}`)
}
