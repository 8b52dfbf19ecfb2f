export * from './schemas.js'
export * from './routes.js'
export * from './client.js'
export * from './plain-checks.js'
