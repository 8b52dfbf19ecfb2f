import http from 'k6/http'

export const options = {
  scenarios: {
    readers: { executor: 'per-vu-iterations', vus: 2, iterations: 2, exec: 'read', env: { WHO: 'reader' } },
    writers: {
      executor: 'shared-iterations', vus: 1, iterations: 3, exec: 'write', startTime: '100ms', tags: { team: 'w' },
    },
  },
}

export function read () {
  http.get(`${__ENV.BASE}/record?who=${__ENV.WHO}`)
}

export function write () {
  http.post(`${__ENV.BASE}/record?who=writer`)
}
