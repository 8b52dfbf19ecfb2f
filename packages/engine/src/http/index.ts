export type { HttpRequestSpec, HttpSample, HttpResponse, HttpClientOptions, HttpClient } from './types.js'
export { createHttpClient } from './client.js'
