import http from 'k6/http'

export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 2,
      stages: [{ target: 20, duration: '500ms' }, { target: 20, duration: '250ms' }],
    },
  },
}

export default function () {
  http.get(`${__ENV.BASE}/ok`)
}
