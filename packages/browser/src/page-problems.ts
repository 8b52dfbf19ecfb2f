import type { Page } from 'playwright-core'
import { isBrowserFavicon } from './network-recorder.js'

// A page that logs in a loop must not bloat a run: the first errors are the telling ones.
const MAX_MESSAGES = 50
const MAX_LENGTH = 500

/** Console errors and uncaught exceptions of a page, as messages without stack traces. */
export class PageProblems {
  readonly #consoleErrors: string[] = []
  readonly #pageErrors: string[] = []

  static watch (page: Page): PageProblems {
    const problems = new PageProblems()
    page.on('console', (message) => {
      if (message.type() !== 'error' || isBrowserFavicon(message.location().url, undefined)) return
      problems.#add(problems.#consoleErrors, message.text())
    })
    page.on('pageerror', (err) => {
      problems.#add(problems.#pageErrors, err.name === '' || err.name === 'Error' ? err.message : `${err.name}: ${err.message}`)
    })
    return problems
  }

  list (): { consoleErrors: string[], pageErrors: string[] } {
    return { consoleErrors: [...this.#consoleErrors], pageErrors: [...this.#pageErrors] }
  }

  #add (list: string[], text: string): void {
    if (list.length < MAX_MESSAGES) list.push(text.split('\n')[0]?.slice(0, MAX_LENGTH) ?? '')
  }
}
