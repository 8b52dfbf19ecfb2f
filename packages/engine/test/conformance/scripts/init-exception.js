import http from 'k6/http'

const config = JSON.parse('{"broken"')

export default function () {
  http.get(config.url)
}
