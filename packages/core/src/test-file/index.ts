export { parseTestText, parseTestObject, type ParseTestOptions } from './parse-test.js'
export { testFromFlags, type TestFlags } from './from-flags.js'
export {
  parseThreshold, parseMetricSelector, formatMetricSelector, statProblem, STATS_BY_TYPE,
  type ParsedThreshold, type MetricSelector, type ThresholdOperator,
} from './threshold-expression.js'
export { DEFAULT_TREND_STATS, DEFAULT_USER_AGENT, SUPPORTED_EXECUTORS } from './schema.js'
