import { runBrowserCheck } from './run-check.js'
import type { BrowserCheckSpec } from '@loadfleet/core/base'

/**
 * A check in a process of its own (`fork`ed by `runCheckInWorker`): playwright-core alone adds about 90 MB to a
 * Node process, which a browser agent should not carry between checks, and a crash in the browser driver ends only
 * this process. Receives one `{ spec, chromiumPath?, screenshotFormat }` message, answers the outcome, exits.
 */
process.once('message', (message: { spec: BrowserCheckSpec, chromiumPath?: string, screenshotFormat: 'png' | 'jpeg' }) => {
  void (async () => {
    const { result, screenshot } = await runBrowserCheck(message.spec, {
      screenshotFormat: message.screenshotFormat,
      ...(message.chromiumPath === undefined ? {} : { chromiumPath: message.chromiumPath }),
    })
    const answer = { result, screenshot: screenshot === null ? null : { format: screenshot.format, data: screenshot.data.toString('base64') } }
    process.send?.(answer, () => { process.exit(0) })
  })()
})
