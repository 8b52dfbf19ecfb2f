import type { BrowserStep } from './types.js'

/** A step in words, as reasons and the step list show it: `click #buy`, `wait for text "Thanks"`. */
export function describeStep (step: BrowserStep): string {
  switch (step.action) {
    case 'navigate': return `navigate to ${step.url}`
    case 'click': return `click ${step.selector}`
    case 'fill': return `fill ${step.selector}`
    case 'waitForSelector': return `wait for ${step.selector}`
    case 'waitForText': return `wait for text "${step.text}"`
    case 'expectText': return `expect text "${step.text}"${step.selector === undefined ? '' : ` in ${step.selector}`}`
    case 'expectStatus': return `expect status ${step.status}`
  }
}
