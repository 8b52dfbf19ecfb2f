export type { HttpRequestSpec, HttpSample, HttpResponse, HttpClientOptions, HttpClient, EgressCheck } from './types.js'
export { createHttpClient } from './client.js'
