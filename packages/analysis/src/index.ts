export { detectChanges, compareRunToBaseline } from './detect.js'
export type { DetectInput, DetectResult } from './detect.js'
export { CHANGE_METRICS, DEFAULT_DETECT_OPTIONS } from './types.js'
export type { BaselineComparison, ChangeMetric, DetectedChange, DetectOptions, RunSample } from './types.js'
export {
  binomialUpperTail, cliffsDelta, hodgesLehmann, mannWhitneyU, median, normalUpperTail, poissonUpperTail, quantile,
  rateIncreaseTest, robustSigma,
} from './stats.js'
export type { MannWhitneyResult } from './stats.js'
