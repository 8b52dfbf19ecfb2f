import http from 'k6/http'

export const options = {
  iterations: 3,
  thresholds: {
    'http_reqs{name:home}': ['count==3'],
    'http_req_duration{name:home}': ['max<5000'],
  },
}

export default function () {
  http.get(`${__ENV.BASE}/ok?i=${__ITER}`, { tags: { name: 'home' } })
  http.get(`${__ENV.BASE}/ok`)
}
