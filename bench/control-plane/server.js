// Runs one control-plane process for the benchmark; prints its URL and credentials as one JSON line.
import { startServer } from '@loadfleet/server'

const server = await startServer({
  env: {},
  port: 0,
  dataDir: process.env.BENCH_DATA_DIR,
  ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL } : {}),
  logLevel: 'warn',
})
process.stdout.write(JSON.stringify({ url: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken }) + '\n')
process.once('SIGTERM', () => {
  server.close().then(() => process.exit(0), () => process.exit(1))
})
