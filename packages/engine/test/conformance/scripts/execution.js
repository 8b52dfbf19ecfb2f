import http from 'k6/http'
import exec from 'k6/execution'

export const options = { scenarios: { browse: { executor: 'shared-iterations', vus: 1, iterations: 2 } } }

export default function () {
  http.get(`${__ENV.BASE}/record?id=${exec.vu.idInTest}&scenario=${exec.scenario.name}&it=${exec.vu.iterationInScenario}`)
}
