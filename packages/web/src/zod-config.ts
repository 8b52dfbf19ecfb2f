import { config } from 'zod'

// Imported first by main.tsx: zod otherwise probes `new Function` while the api schemas load, which the control
// plane's Content-Security-Policy (no 'unsafe-eval') reports as a violation in every visitor's console.
config({ jitless: true })
