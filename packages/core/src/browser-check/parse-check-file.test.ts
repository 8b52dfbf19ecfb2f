import { describe, expect, it } from 'vitest'
import { parseCheckFile } from './parse-check-file.js'
import { rateVital } from './web-vitals.js'

describe('parseCheckFile', () => {
  it('reads every step form, durations and the device', () => {
    const { value, diagnostics } = parseCheckFile([
      'device: mobile',
      'timeout: 45s',
      'stepTimeout: 5s',
      'steps:',
      '  - navigate: /cart',
      "  - click: '#buy'",
      "  - fill: { selector: '#email', value: 'a@example.com' }",
      "  - waitFor: '#done'",
      '  - waitFor: { text: Thanks }',
      '  - expectText: { text: Order placed, selector: h1 }',
      '  - expectText: Total',
      '    timeout: 2s',
      '  - expectStatus: 200',
    ].join('\n'))
    expect(diagnostics).toEqual([])
    expect(value).toMatchObject({ device: 'mobile', timeoutMs: 45_000, stepTimeoutMs: 5000, screenshot: 'on-failure' })
    expect(value?.steps).toEqual([
      { action: 'navigate', url: '/cart' },
      { action: 'click', selector: '#buy' },
      { action: 'fill', selector: '#email', value: 'a@example.com' },
      { action: 'waitForSelector', selector: '#done' },
      { action: 'waitForText', text: 'Thanks' },
      { action: 'expectText', text: 'Order placed', selector: 'h1' },
      { action: 'expectText', text: 'Total', timeoutMs: 2000 },
      { action: 'expectStatus', status: 200 },
    ])
  })

  it('accepts a bare list of steps with the defaults', () => {
    const { value } = parseCheckFile("- click: '#go'\n")
    expect(value).toEqual({
      steps: [{ action: 'click', selector: '#go' }], device: 'desktop', timeoutMs: 30_000, stepTimeoutMs: 10_000,
      insecureSkipTlsVerify: false, screenshot: 'on-failure',
    })
  })

  it('reports every problem at once with its line and path', () => {
    const { value, diagnostics } = parseCheckFile([
      'device: phone',
      'steps:',
      "  - click: '#a'",
      "    tap: '#b'",
      '  - expectStatus: 99',
      '  - wait: 1s',
      'timeout: forever',
    ].join('\n'), { file: 'steps.yaml' })
    expect(value).toBeUndefined()
    expect(diagnostics.map((d) => `${d.line}: ${d.path}`)).toEqual([
      '1: device', '4: steps.0.tap', '5: steps.1.expectStatus', '6: steps.2.wait', '6: steps.2', '7: timeout',
    ])
    expect(diagnostics[0]).toMatchObject({ file: 'steps.yaml', code: 'LF_CHECK_INVALID' })
    expect(diagnostics[0]?.message).toBe("expected one of desktop, laptop, tablet, mobile, got 'phone'")
  })

  it('reports malformed YAML with its line', () => {
    const { diagnostics } = parseCheckFile('steps:\n  - click: [\n')
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({ code: 'LF_CHECK_SYNTAX' })
  })
})

describe('rateVital', () => {
  it.each([
    ['lcp', 2500, 'good'], ['lcp', 2501, 'needs-improvement'], ['lcp', 4001, 'poor'],
    ['cls', 0.1, 'good'], ['cls', 0.25, 'needs-improvement'], ['cls', 0.26, 'poor'],
    ['fcp', 1800, 'good'], ['ttfb', 1801, 'poor'], ['tbt', 200, 'good'], ['tbt', 600, 'needs-improvement'],
  ] as const)('%s %d is %s', (vital, value, rating) => {
    expect(rateVital(vital, value)).toBe(rating)
  })
})
