export {
  evaluateThresholds, statsReferenced, compileThresholds, compare,
  type MetricSource, type StatReference, type CompiledThreshold,
} from './evaluate-thresholds.js'
export { parseThreshold, parseMetricSelector, type ParsedThreshold, type MetricSelector } from '@loadfleet/core'
