export { renderTextSummary, type TextSummaryOptions } from './render-text-summary.js'
export { describeScenarios, goDuration } from './describe-scenarios.js'
export { renderRunHeader, renderRunEnd, fixedLengthDuration, type RunHeaderOptions } from './run-banner.js'
export { formatTimeMs, formatBytes, formatPercent, formatPerSecond } from './format-values.js'
