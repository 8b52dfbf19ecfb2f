export { toK6SummaryExport, k6PathId, type K6SummaryExport, type K6ExportMetric, type K6ExportCheck } from './export-summary.js'
export { parseK6SummaryExport, parseK6HandleSummary, K6SummaryInvalid, type K6SummaryData } from './parse-summary.js'
export { BUILTIN_METRICS, baseMetricName, type MetricInfo } from './builtin-metrics.js'
export {
  parseK6JsonOutput, addK6JsonLine, emptyK6ResponseCounts, errorKindOfK6Code, type K6ResponseCounts,
} from './json-output.js'
