import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium unless `CHROMIUM_PATH` names another; playwright-core never downloads a browser. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium'

// Headless in a container: no sandbox (no user namespaces there), no GPU, no QUIC (TLS is read from TCP
// connections), and nothing that phones home or updates itself while a check is being measured.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

/** The Chromium a check uses: `explicit`, else `CHROMIUM_PATH`, else /usr/bin/chromium. */
export function chromiumPath (explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? (env.CHROMIUM_PATH === undefined || env.CHROMIUM_PATH === '' ? DEFAULT_CHROMIUM_PATH : env.CHROMIUM_PATH)
}

/**
 * Starts Chromium with a fresh temporary profile (playwright-core creates and removes it), so nothing — cache,
 * cookies, service workers — carries over from one check to the next.
 */
export async function launchChromium (options: { executablePath: string, timeoutMs: number }): Promise<Browser> {
  return await chromium.launch({
    executablePath: options.executablePath, headless: true, args: CHROMIUM_ARGS, timeout: options.timeoutMs,
  })
}
