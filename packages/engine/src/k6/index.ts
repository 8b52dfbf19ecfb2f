export { generateK6Script, k6Options, checkName } from './generate-script.js'
export { runWithK6, K6_TREND_STATS, type RunWithK6Options } from './run-with-k6.js'
